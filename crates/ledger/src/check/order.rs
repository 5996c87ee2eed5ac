//! The order of a chain's rows within one second, which exports do not define: file order if
//! the balances hold in it, else a path through the balances that holds (an Eulerian trail),
//! else the order that breaks only at gaps; and, for a chain's first second whose rows form a
//! closed loop, the balance to start from (the one the later seconds go on from).
//!
//! Invariant: an order is a permutation of the group's rows, and file order is kept wherever the
//! balances leave a choice, so the same files always give the same report.

use rust_decimal::Decimal;

use super::{Entry, FxMap, fx_map};

/// Where a chain's first second must start when its rows form a closed loop (they move the
/// balance back to where it was, so every rotation of them holds and the rows alone do not say
/// which balance came first): the balance the chain's later seconds go on from, if one of the
/// loop's balances. Later seconds that are loops too narrow the choice to the balances they share;
/// the first later second that moves the balance starts at one balance, which settles it.
/// `None` when the first second is no loop (its order is determined, or it has a gap) or nothing
/// later tells: file order decides then.
pub(super) fn loop_entry(group: &[Entry], later: &[Entry]) -> Option<Decimal> {
    let mut candidates = loop_balances(group)?;
    let mut start = 0;
    while start < later.len() {
        let second = later[start].seconds;
        let end = later[start..]
            .iter()
            .position(|e| e.seconds != second)
            .map_or(later.len(), |n| start + n);
        let next = &later[start..end];
        match loop_balances(next) {
            Some(shared) => candidates.retain(|c| shared.contains(c)),
            None => {
                // A second that moves the balance: it starts where its path must.
                let entry = path_source(next)?;
                return candidates.contains(&entry).then_some(entry);
            }
        }
        match candidates.as_slice() {
            [] => return None,
            [only] => return Some(*only),
            _ => {}
        }
        start = end;
    }
    None
}

/// The distinct balances of a group whose rows form closed loops (the balances they start from
/// are the ones they end at, counted with multiplicity), in file order of the rows; `None`
/// otherwise.
fn loop_balances(group: &[Entry]) -> Option<Vec<Decimal>> {
    let mut starts: Vec<Decimal> = group.iter().map(|e| e.start).collect::<Option<_>>()?;
    let in_order = starts.clone();
    let mut ends: Vec<Decimal> = group.iter().map(|e| e.end).collect();
    starts.sort_unstable();
    ends.sort_unstable();
    if starts != ends {
        return None;
    }
    let mut distinct: Vec<Decimal> = Vec::with_capacity(in_order.len());
    for balance in in_order {
        if !distinct.contains(&balance) {
            distinct.push(balance);
        }
    }
    Some(distinct)
}

/// The balance a group's path must start from: the one balance more rows start from than end at.
fn path_source(group: &[Entry]) -> Option<Decimal> {
    let mut surplus: Vec<(Decimal, i64)> = Vec::with_capacity(group.len() * 2);
    for e in group {
        surplus.push((e.start?, 1));
        surplus.push((e.end, -1));
    }
    surplus.sort_unstable_by_key(|a| a.0);
    let mut sources = Vec::new();
    let mut i = 0;
    while i < surplus.len() {
        let balance = surplus[i].0;
        let mut net = 0;
        while i < surplus.len() && surplus[i].0 == balance {
            net += surplus[i].1;
            i += 1;
        }
        if net > 0 {
            sources.push((balance, net));
        }
    }
    match sources.as_slice() {
        [(balance, 1)] => Some(*balance),
        _ => None,
    }
}

/// Orders a same-second group into `out`: file order if it holds, else an order that holds (a
/// path through the balances starting at `from`), else the best effort that breaks only at gaps.
/// Returns whether the order differs from the file order.
pub(super) fn arrange(group: &[Entry], from: Option<Decimal>, out: &mut Vec<usize>) -> bool {
    let starts: Vec<Option<Decimal>> = group.iter().map(|e| e.start).collect();
    let ends: Vec<Decimal> = group.iter().map(|e| e.end).collect();
    let holds_in_file_order = from.is_none_or(|f| starts[0] == Some(f))
        && (1..group.len()).all(|i| starts[i] == Some(ends[i - 1]));
    let order = if holds_in_file_order {
        None
    } else {
        trail(&starts, &ends, from).or_else(|| Some(best_effort(&starts, &ends, from)))
    };
    match order {
        None => {
            out.extend(0..group.len());
            false
        }
        Some(order) => {
            let changed = order.iter().enumerate().any(|(i, &o)| i != o);
            out.extend(order.iter().copied());
            changed
        }
    }
}

/// An order of all rows in which each starts at the previous one's end (the first at `from`, or
/// where the balances say the path must start), if one exists: an Eulerian trail through the
/// balances (Hierholzer), preferring file order where there is a choice.
fn trail(
    starts: &[Option<Decimal>],
    ends: &[Decimal],
    from: Option<Decimal>,
) -> Option<Vec<usize>> {
    let starts: Vec<Decimal> = starts.iter().copied().collect::<Option<_>>()?;
    let mut nodes: Vec<Decimal> = starts.iter().chain(ends).copied().collect();
    nodes.sort_unstable();
    nodes.dedup();
    let node = |d: Decimal| nodes.binary_search(&d).ok();
    let mut out_edges: Vec<Vec<usize>> = vec![Vec::new(); nodes.len()];
    let mut surplus = vec![0_i64; nodes.len()];
    let mut tail = Vec::with_capacity(starts.len());
    let mut head = Vec::with_capacity(starts.len());
    for (s, &e) in starts.iter().zip(ends) {
        let (s, e) = (node(*s)?, node(e)?);
        surplus[s] += 1;
        surplus[e] -= 1;
        tail.push(s);
        head.push(e);
    }
    for edge in (0..starts.len()).rev() {
        out_edges[tail[edge]].push(edge);
    }
    let begin = match from {
        Some(f) => node(f)?,
        None => surplus
            .iter()
            .position(|&s| s == 1)
            .unwrap_or(*tail.first()?),
    };
    let mut stack: Vec<(usize, Option<usize>)> = vec![(begin, None)];
    let mut path = Vec::with_capacity(starts.len());
    while let Some(&(v, via)) = stack.last() {
        match out_edges[v].pop() {
            Some(edge) => stack.push((head[edge], Some(edge))),
            None => {
                stack.pop();
                path.extend(via);
            }
        }
    }
    path.reverse();
    let valid = path.len() == starts.len()
        && path.first().is_some_and(|&e| tail[e] == begin)
        && path.windows(2).all(|w| tail[w[1]] == head[w[0]]);
    valid.then_some(path)
}

/// An order for a group with a gap: follow the balances while a row continues them (file order
/// first); at a gap, continue with a row no other remaining row leads to (the row after the
/// gap, first in file order), so each gap costs one break. Rows are found by their balances
/// through maps: O(k) per gap, O(k log k) otherwise.
fn best_effort(starts: &[Option<Decimal>], ends: &[Decimal], from: Option<Decimal>) -> Vec<usize> {
    let n = starts.len();
    // Rows by opening balance, last in file order first, so `pop` yields file order.
    let mut by_start: FxMap<Decimal, Vec<usize>> = fx_map(n);
    // How many remaining rows end at each balance.
    let mut ending_at: FxMap<Decimal, usize> = fx_map(n);
    for i in (0..n).rev() {
        if let Some(start) = starts[i] {
            by_start.entry(start.normalize()).or_default().push(i);
        }
        *ending_at.entry(ends[i].normalize()).or_default() += 1;
    }
    let mut taken = vec![false; n];
    let mut first_untaken = 0;
    let mut order = Vec::with_capacity(n);
    let mut current = from;
    while order.len() < n {
        while taken[first_untaken] {
            first_untaken += 1;
        }
        let follows = current.and_then(|c| {
            let rows = by_start.get_mut(&c.normalize())?;
            std::iter::from_fn(|| rows.pop()).find(|&i| !taken[i])
        });
        // A row no other remaining row leads to.
        let is_head = |r: usize| match starts[r] {
            None => true,
            Some(start) => {
                let leading = ending_at.get(&start.normalize()).copied().unwrap_or(0);
                leading.saturating_sub(usize::from(ends[r] == start)) == 0
            }
        };
        let pick = follows
            .or_else(|| (first_untaken..n).find(|&r| !taken[r] && is_head(r)))
            .unwrap_or(first_untaken);
        taken[pick] = true;
        if let Some(count) = ending_at.get_mut(&ends[pick].normalize()) {
            *count -= 1;
        }
        order.push(pick);
        current = Some(ends[pick]);
    }
    order
}
