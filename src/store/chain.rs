//! Chain ids (OCI image spec, "Layer ChainID"): the identity of a stack of layers, naming the
//! snapshot that holds the top layer unpacked on top of the ones below.
//!
//! `ChainID(L0) = DiffID(L0)`; `ChainID(Ln) = sha256(ChainID(Ln-1) + " " + DiffID(Ln))`, the
//! digests written as `sha256:<hex>`.

use crate::digest::Digest;

/// The chain id of layers given bottom-first by their diff_ids; `None` for no layers.
pub fn chain_id(diff_ids: &[Digest]) -> Option<Digest> {
    let (first, rest) = diff_ids.split_first()?;
    Some(rest.iter().fold(first.clone(), |parent, diff_id| {
        child_chain_id(&parent, diff_id)
    }))
}

/// The chain id of `diff_id` on top of the stack named `parent`.
pub fn child_chain_id(parent: &Digest, diff_id: &Digest) -> Digest {
    Digest::of(format!("{parent} {diff_id}").as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_layer_is_its_diff_id_and_two_chain() {
        let a = Digest::of(b"a");
        let b = Digest::of(b"b");
        assert_eq!(chain_id(&[]), None);
        assert_eq!(chain_id(std::slice::from_ref(&a)), Some(a.clone()));
        assert_eq!(
            chain_id(&[a.clone(), b.clone()]),
            Some(child_chain_id(&a, &b))
        );
    }
}
