//! Dependency graphs as adjacency lists: levels and cycles.
//!
//! One home for the two graph algorithms ladder needs in more than one place: the
//! compact level of each node (0 without dependencies, else 1 + the highest level of
//! its dependencies), used for component phases and resource sync-waves alike, and
//! cycles reported as full paths. A graph is `deps[i]`: the indexes node `i` depends on.
//! Nothing here depends on the order of the input beyond node indexes, so callers that
//! number nodes by name get output independent of the spec's order.
//!
//! A shared piece at the bottom of the tree: imports nothing of ladder's.

use std::collections::{BTreeMap, VecDeque};

use petgraph::algo::{kosaraju_scc, toposort};
use petgraph::graph::{DiGraph, NodeIndex};

/// The compact level of every node: 0 for a node without dependencies, else 1 + the
/// highest level of its dependencies. On a cyclic graph (which callers report first)
/// the levels are finite but meaningless.
pub fn levels(deps: &[Vec<usize>]) -> Vec<u32> {
    // Edges from dependency to dependent: a topological order lists dependencies first.
    let graph = to_graph(deps, |dependent, dependency| (dependency, dependent));
    let n = deps.len();
    let order = toposort(&graph, None).unwrap_or_else(|_| graph.node_indices().collect());
    let mut levels = vec![0u32; n];
    for node in order {
        let i = graph[node];
        levels[i] = deps[i].iter().map(|&d| levels[d] + 1).max().unwrap_or(0);
    }
    levels
}

/// Every cycle of the graph, one per strongly connected component of two or more
/// nodes, as a path `[a, b, …, a]` where each node depends on the next; sorted.
/// A node that depends on itself is not reported here (callers say that better).
pub fn cycles(deps: &[Vec<usize>]) -> Vec<Vec<usize>> {
    let graph = to_graph(deps, |dependent, dependency| (dependent, dependency));
    // Kosaraju's search is iterative in petgraph (Tarjan's recurses once per node on the
    // path, so a chain of tens of thousands of components overflowed the stack); the
    // result does not depend on the order components are found in: members and cycles
    // are sorted.
    let mut cycles: Vec<Vec<usize>> = kosaraju_scc(&graph)
        .into_iter()
        .filter(|scc| scc.len() > 1)
        .map(|scc| {
            let mut members: Vec<usize> = scc.iter().map(|n| graph[*n]).collect();
            members.sort_unstable();
            cycle_path(&members, deps)
        })
        .collect();
    cycles.sort();
    cycles
}

/// The graph of `deps`, node `i` weighted `i`, with an edge `edge(dependent, dependency)`
/// for every dependency.
fn to_graph(
    deps: &[Vec<usize>],
    edge: impl Fn(usize, usize) -> (usize, usize),
) -> DiGraph<usize, ()> {
    let mut graph: DiGraph<usize, ()> = DiGraph::with_capacity(deps.len(), 0);
    let nodes: Vec<NodeIndex> = (0..deps.len()).map(|i| graph.add_node(i)).collect();
    for (i, ds) in deps.iter().enumerate() {
        for &d in ds {
            let (from, to) = edge(i, d);
            graph.add_edge(nodes[from], nodes[to], ());
        }
    }
    graph
}

/// A cycle through the smallest member of a strongly connected component: the shortest
/// way back to it along dependency edges, found breadth-first with neighbours in index
/// order, so the path printed never depends on the order of the spec.
fn cycle_path(members: &[usize], deps: &[Vec<usize>]) -> Vec<usize> {
    let start = members[0];
    let mut previous: BTreeMap<usize, usize> = BTreeMap::new();
    let mut queue = VecDeque::from([start]);
    while let Some(node) = queue.pop_front() {
        let mut next_nodes = deps[node].clone();
        next_nodes.sort_unstable();
        for next in next_nodes {
            if next == start {
                // Walk back from `node` to `start`, then read it forwards.
                let mut back = Vec::new();
                let mut at = node;
                while at != start {
                    back.push(at);
                    at = previous[&at];
                }
                let mut path = vec![start];
                path.extend(back.into_iter().rev());
                path.push(start);
                return path;
            }
            if members.binary_search(&next).is_ok() && !previous.contains_key(&next) {
                previous.insert(next, node);
                queue.push_back(next);
            }
        }
    }
    vec![start, start]
}

#[cfg(test)]
mod tests {
    /// Regression: the recursive strongly-connected-components search overflowed the
    /// stack on a long chain (90,000 components) and on a long cycle.
    #[test]
    fn cycles_of_a_long_chain_and_a_long_cycle_do_not_overflow_the_stack() {
        let run = std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn(|| {
                let n = 200_000;
                let mut deps: Vec<Vec<usize>> = (0..n).map(|i| vec![i + 1]).collect();
                deps[n - 1].clear();
                assert!(cycles(&deps).is_empty());
                assert_eq!(levels(&deps)[0], u32::try_from(n - 1).unwrap());
                deps[n - 1] = vec![0];
                let found = cycles(&deps);
                assert_eq!(found.len(), 1);
                assert_eq!(found[0].len(), n + 1);
                assert_eq!((found[0][0], found[0][n]), (0, 0));
            })
            .unwrap();
        run.join().unwrap();
    }

    use super::*;

    #[test]
    fn levels_are_one_more_than_the_highest_dependency() {
        // 0 ← 1 ← 3, 0 ← 2 ← 3, 4 alone.
        let deps = vec![vec![], vec![0], vec![0], vec![1, 2], vec![]];
        assert_eq!(levels(&deps), vec![0, 1, 1, 2, 0]);
    }

    #[test]
    fn cycles_are_paths_through_their_smallest_member() {
        let deps = vec![vec![1], vec![2], vec![0], vec![4], vec![3], vec![]];
        assert_eq!(cycles(&deps), vec![vec![0, 1, 2, 0], vec![3, 4, 3]]);
        assert!(cycles(&[vec![], vec![0]]).is_empty());
    }
}
