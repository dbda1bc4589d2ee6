use super::*;

#[test]
fn waves_group_independent_stages() {
    let deps: Vec<BTreeSet<usize>> = vec![
        BTreeSet::new(),
        BTreeSet::new(),
        [0].into(),
        [1, 2].into(),
        BTreeSet::new(),
    ];
    let needed = needed_stages(3, &deps);
    assert_eq!(needed, [0, 1, 2, 3].into());
    assert_eq!(waves(&needed, &deps), vec![vec![0, 1], vec![2], vec![3]]);
}
