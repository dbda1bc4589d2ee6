//! The CodeBuild recipe and the example workflows.
