/// UffdModel: an executable specification of the kernel's userfaultfd paths and of the
/// `vm_uffd_ops` design alternatives argued in the thread. Pure: Foundation only.
///
/// - `Design`, `Preset`, `Knob`, `Catalog`: the designs (facts §1, §4 design keys) and every knob
///   with the Message-IDs that argued it.
/// - `Script`: the line-based scenario language shared with the kernel probe.
/// - `Machine` (internal): the sequential interpreter over `World` (mm, VMAs, PTEs, page caches,
///   uffd contexts, fault waiters), walking facts §2–§3 under the chosen design.
/// - `LockChecker`: lockdep-like classes, held-lock stacks, an accumulated dependency graph.
/// - `Explorer` / `ProgramBuilder`: breadth-first interleaving search with state hashing.
/// - `Simulator`: runs scenarios and scripts, and the whole matrix; `HeaderRenderer` and
///   `SimRendering` turn results into C declarations, text and JSON.
import Foundation
