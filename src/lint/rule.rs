//! The rules as data: name, description and documentation link, as BuildKit's linter declares
//! them (`frontend/dockerfile/linter/ruleset.go`), so that a finding reads the same as
//! `docker build --check`'s and links to Docker's page for the rule.

/// One check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// Its name (`StageNameCasing`): what `# check=skip=` names and findings show.
    pub name: &'static str,
    /// What it checks, in a sentence.
    pub description: &'static str,
    /// Its documentation.
    pub url: &'static str,
    /// Experimental rules run only when `# check=experimental=` names them (or `all`).
    pub experimental: bool,
    /// A suggestion rather than a problem: shown as info, never an error under `error=true`.
    pub info: bool,
}

const fn rule(name: &'static str, description: &'static str, url: &'static str) -> Rule {
    Rule {
        name,
        description,
        url,
        experimental: false,
        info: false,
    }
}

/// Where rbuild's own rules are documented (`docs/checks.md`, one section per rule).
macro_rules! own_doc {
    ($anchor:literal) => {
        concat!(
            "https://github.com/rbuild/rbuild/blob/main/docs/checks.md#",
            $anchor
        )
    };
}

/// Stage names should be lowercase.
pub const STAGE_NAME_CASING: Rule = rule(
    "StageNameCasing",
    "Stage names should be lowercase",
    "https://docs.docker.com/go/dockerfile/rule/stage-name-casing/",
);
/// `AS` should match the casing of `FROM`.
pub const FROM_AS_CASING: Rule = rule(
    "FromAsCasing",
    "The 'as' keyword should match the case of the 'from' keyword",
    "https://docs.docker.com/go/dockerfile/rule/from-as-casing/",
);
/// Empty continuation lines.
pub const NO_EMPTY_CONTINUATION: Rule = rule(
    "NoEmptyContinuation",
    "Empty continuation lines will become errors in a future release",
    "https://docs.docker.com/go/dockerfile/rule/no-empty-continuation/",
);
/// One casing for every instruction keyword.
pub const CONSISTENT_INSTRUCTION_CASING: Rule = rule(
    "ConsistentInstructionCasing",
    "All commands within the Dockerfile should use the same casing (either upper or lower)",
    "https://docs.docker.com/go/dockerfile/rule/consistent-instruction-casing/",
);
/// Two stages of one name.
pub const DUPLICATE_STAGE_NAME: Rule = rule(
    "DuplicateStageName",
    "Stage names should be unique",
    "https://docs.docker.com/go/dockerfile/rule/duplicate-stage-name/",
);
/// A stage named `scratch` or `context`.
pub const RESERVED_STAGE_NAME: Rule = rule(
    "ReservedStageName",
    "Reserved words should not be used as stage names",
    "https://docs.docker.com/go/dockerfile/rule/reserved-stage-name/",
);
/// Shell-form CMD or ENTRYPOINT.
pub const JSON_ARGS_RECOMMENDED: Rule = rule(
    "JSONArgsRecommended",
    "JSON arguments recommended for ENTRYPOINT/CMD to prevent unintended behavior related to OS signals",
    "https://docs.docker.com/go/dockerfile/rule/json-args-recommended/",
);
/// MAINTAINER.
pub const MAINTAINER_DEPRECATED: Rule = rule(
    "MaintainerDeprecated",
    "The MAINTAINER instruction is deprecated, use a label instead to define an image author",
    "https://docs.docker.com/go/dockerfile/rule/maintainer-deprecated/",
);
/// A FROM naming an undeclared ARG.
pub const UNDEFINED_ARG_IN_FROM: Rule = rule(
    "UndefinedArgInFrom",
    "FROM command must use declared ARGs",
    "https://docs.docker.com/go/dockerfile/rule/undefined-arg-in-from/",
);
/// A relative WORKDIR before any absolute one.
pub const WORKDIR_RELATIVE_PATH: Rule = rule(
    "WorkdirRelativePath",
    "Relative workdir without an absolute workdir declared within the build can have unexpected results if the base image changes",
    "https://docs.docker.com/go/dockerfile/rule/workdir-relative-path/",
);
/// A variable used before it is defined.
pub const UNDEFINED_VAR: Rule = rule(
    "UndefinedVar",
    "Variables should be defined before their use",
    "https://docs.docker.com/go/dockerfile/rule/undefined-var/",
);
/// CMD, ENTRYPOINT or HEALTHCHECK twice in a stage.
pub const MULTIPLE_INSTRUCTIONS_DISALLOWED: Rule = rule(
    "MultipleInstructionsDisallowed",
    "Multiple instructions of the same type should not be used in the same stage",
    "https://docs.docker.com/go/dockerfile/rule/multiple-instructions-disallowed/",
);
/// `ENV key value`.
pub const LEGACY_KEY_VALUE_FORMAT: Rule = rule(
    "LegacyKeyValueFormat",
    "Legacy key/value format with whitespace separator should not be used",
    "https://docs.docker.com/go/dockerfile/rule/legacy-key-value-format/",
);
/// `FROM --platform=$TARGETPLATFORM`.
pub const REDUNDANT_TARGET_PLATFORM: Rule = rule(
    "RedundantTargetPlatform",
    "Setting platform to predefined $TARGETPLATFORM in FROM is redundant as this is the default behavior",
    "https://docs.docker.com/go/dockerfile/rule/redundant-target-platform/",
);
/// A secret-looking ARG or ENV name.
pub const SECRETS_USED_IN_ARG_OR_ENV: Rule = rule(
    "SecretsUsedInArgOrEnv",
    "Sensitive data should not be used in the ARG or ENV commands",
    "https://docs.docker.com/go/dockerfile/rule/secrets-used-in-arg-or-env/",
);
/// A global ARG default that makes no valid base image name.
pub const INVALID_DEFAULT_ARG_IN_FROM: Rule = rule(
    "InvalidDefaultArgInFrom",
    "Default value for global ARG results in an empty or invalid base image name",
    "https://docs.docker.com/go/dockerfile/rule/invalid-default-arg-in-from/",
);
/// `FROM --platform=linux/amd64`.
pub const FROM_PLATFORM_FLAG_CONST_DISALLOWED: Rule = rule(
    "FromPlatformFlagConstDisallowed",
    "FROM --platform flag should not use a constant value",
    "https://docs.docker.com/go/dockerfile/rule/from-platform-flag-const-disallowed/",
);
/// COPY of a file `.dockerignore` excludes.
pub const COPY_IGNORED_FILE: Rule = rule(
    "CopyIgnoredFile",
    "Attempting to Copy file that is excluded by .dockerignore",
    "https://docs.docker.com/go/dockerfile/rule/copy-ignored-file/",
);
/// `EXPOSE 80/TCP`.
pub const EXPOSE_PROTO_CASING: Rule = rule(
    "ExposeProtoCasing",
    "Protocol in EXPOSE instruction should be lowercase",
    "https://docs.docker.com/go/dockerfile/rule/expose-proto-casing/",
);
/// `EXPOSE 127.0.0.1:80:80`.
pub const EXPOSE_INVALID_FORMAT: Rule = rule(
    "ExposeInvalidFormat",
    "IP address and host-port mapping should not be used in EXPOSE instruction. This will become an error in a future release",
    "https://docs.docker.com/go/dockerfile/rule/expose-invalid-format/",
);
/// A comment above a stage or ARG that does not describe it (experimental).
pub const INVALID_DEFINITION_DESCRIPTION: Rule = Rule {
    name: "InvalidDefinitionDescription",
    description: "Comment for build stage or argument should follow the format: `# <arg/stage name> <description>`. If this is not intended to be a description comment, add an empty line or comment between the instruction and the comment.",
    url: "https://docs.docker.com/go/dockerfile/rule/invalid-definition-description/",
    experimental: true,
    info: false,
};

/// rbuild's: the whole context copied before a dependency install.
pub const COPY_ALL_BEFORE_INSTALL: Rule = rule(
    "CopyAllBeforeInstall",
    "Copying the whole context before installing dependencies reruns the install on any change",
    own_doc!("copyallbeforeinstall"),
);
/// rbuild's: a base image without a tag or with `:latest`.
pub const BASE_IMAGE_LATEST: Rule = rule(
    "BaseImageLatest",
    "Base images should name a version, not latest",
    own_doc!("baseimagelatest"),
);
/// rbuild's: a base image not pinned by digest (info).
pub const BASE_IMAGE_UNPINNED: Rule = Rule {
    name: "BaseImageUnpinned",
    description: "Base images pinned by digest make builds reproducible",
    url: own_doc!("baseimageunpinned"),
    experimental: false,
    info: true,
};
/// rbuild's: the final stage runs as root.
pub const ROOT_USER: Rule = rule(
    "RootUser",
    "The image should not run as root",
    own_doc!("rootuser"),
);
/// rbuild's: `apt-get update` without `install` in the same RUN.
pub const APT_UPDATE_ALONE: Rule = rule(
    "AptUpdateAlone",
    "apt-get update should be in the same RUN as apt-get install",
    own_doc!("aptupdatealone"),
);
/// rbuild's: apt lists left in a layer.
pub const APT_LISTS_LEFT: Rule = rule(
    "AptListsLeft",
    "apt lists should be removed in the RUN that installs, or kept in a cache mount",
    own_doc!("aptlistsleft"),
);
/// rbuild's: `apt-get install` without `--no-install-recommends`.
pub const APT_RECOMMENDS: Rule = rule(
    "AptRecommends",
    "apt-get install should use --no-install-recommends",
    own_doc!("aptrecommends"),
);
/// rbuild's: pip or npm downloads kept in a layer.
pub const PACKAGE_CACHE_IN_LAYER: Rule = rule(
    "PackageCacheInLayer",
    "A package manager's download cache should be in a cache mount, not in a layer",
    own_doc!("packagecacheinlayer"),
);
/// rbuild's: an end-of-life base release.
pub const END_OF_LIFE_BASE: Rule = rule(
    "EndOfLifeBase",
    "Base images should be a supported release",
    own_doc!("endoflifebase"),
);
/// rbuild's: no `.dockerignore` while the context holds what builds never need.
pub const NO_DOCKERIGNORE: Rule = rule(
    "NoDockerignore",
    "A context with .git, node_modules, target or __pycache__ should have a .dockerignore",
    own_doc!("nodockerignore"),
);

/// rbuild's: a secret-looking file copied into a layer.
pub const SECRET_FILE_COPIED: Rule = rule(
    "SecretFileCopied",
    "Secret files (.env, private keys, tokens) should not be copied into a layer",
    own_doc!("secretfilecopied"),
);

/// rbuild's own rules.
pub const OWN_RULES: &[Rule] = &[
    COPY_ALL_BEFORE_INSTALL,
    BASE_IMAGE_LATEST,
    BASE_IMAGE_UNPINNED,
    ROOT_USER,
    APT_UPDATE_ALONE,
    APT_LISTS_LEFT,
    APT_RECOMMENDS,
    PACKAGE_CACHE_IN_LAYER,
    END_OF_LIFE_BASE,
    NO_DOCKERIGNORE,
    SECRET_FILE_COPIED,
];

/// BuildKit's rules, in its order.
pub const BUILDKIT_RULES: &[Rule] = &[
    STAGE_NAME_CASING,
    FROM_AS_CASING,
    NO_EMPTY_CONTINUATION,
    CONSISTENT_INSTRUCTION_CASING,
    DUPLICATE_STAGE_NAME,
    RESERVED_STAGE_NAME,
    JSON_ARGS_RECOMMENDED,
    MAINTAINER_DEPRECATED,
    UNDEFINED_ARG_IN_FROM,
    WORKDIR_RELATIVE_PATH,
    UNDEFINED_VAR,
    MULTIPLE_INSTRUCTIONS_DISALLOWED,
    LEGACY_KEY_VALUE_FORMAT,
    REDUNDANT_TARGET_PLATFORM,
    SECRETS_USED_IN_ARG_OR_ENV,
    INVALID_DEFAULT_ARG_IN_FROM,
    FROM_PLATFORM_FLAG_CONST_DISALLOWED,
    COPY_IGNORED_FILE,
    EXPOSE_PROTO_CASING,
    EXPOSE_INVALID_FORMAT,
    INVALID_DEFINITION_DESCRIPTION,
];

/// The rule named `name`, if there is one.
pub fn by_name(name: &str) -> Option<&'static Rule> {
    BUILDKIT_RULES
        .iter()
        .chain(OWN_RULES)
        .find(|r| r.name == name)
}
