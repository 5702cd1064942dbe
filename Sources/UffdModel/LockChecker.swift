/// A lockdep-like checker: lock classes, per-thread held-lock stacks, an accumulated dependency
/// graph, and reports printed in lockdep's shape (facts §3).
import Foundation

/// The lock classes of facts §3 (names as lockdep prints them).
public enum LockClass: String, Sendable, Hashable, CaseIterable, Comparable {
    case mmapLock = "&mm->mmap_lock"
    case vmaLock = "&vma->vm_lock"
    case mapChanging = "&ctx->map_changing_lock"
    case ptl = "ptlock_ptr(ptdesc)"
    case folioLock = "folio_lock"
    case iRwsem = "&sb->s_type->i_mutex_key"
    case iMmapRwsem = "&mapping->i_mmap_rwsem"
    case hugetlbFaultMutex = "&hugetlb_fault_mutex_table[i]"
    case hugetlbVmaLock = "&vma_lock->rw_sema"
    case uffdWaitqueue = "&ctx->fault_pending_wqh"

    /// Spinlocks: sleeping while one is held is a bug.
    var isSpinlock: Bool { self == .ptl || self == .uffdWaitqueue }
    /// The lockdep usage string (`{++++}` for rwsems, `{+.+.}` for exclusive ones).
    var usage: String { (self == .ptl || self == .uffdWaitqueue || self == .folioLock || self == .hugetlbFaultMutex) ? "{+.+.}" : "{++++}" }

    /// Sort order for stable output.
    public static func < (a: LockClass, b: LockClass) -> Bool { a.rawValue < b.rawValue }
}

/// Read (shared) or write (exclusive) acquisition.
enum LockMode: String, Sendable, Hashable { case read, write }

/// One held lock: class, mode and the function that took it.
struct HeldLock: Sendable, Hashable {
    var cls: LockClass
    var mode: LockMode
    var site: String
}

/// The checker. A value: copy it to fork, pass it `inout` to accumulate across runs.
public struct LockChecker: Sendable {
    /// held[thread] = stack of held locks, oldest first.
    var held: [String: [HeldLock]] = [:]
    /// Dependency graph: edge A → B with the sites that established it.
    var edges: [LockClass: [LockClass: (String, String)]] = [:]
    /// Findings since the last `drain()`.
    var pending: [LockWarning] = []
    /// Reports already made (lockdep reports each problem once).
    var reported: Set<String> = []
    /// Script line the current step came from.
    var line = 0
    /// Threads whose page faults are disabled (pagefault_disable()).
    var pagefaultsDisabled: Set<String> = []

    /// A fresh checker with an empty graph.
    public init() {}

    /// Number of distinct dependency edges learnt so far.
    public var edgeCount: Int { edges.values.reduce(0) { $0 + $1.count } }

    /// Locks currently held by `thread`.
    func holding(_ thread: String) -> [HeldLock] { held[thread] ?? [] }

    func holds(_ thread: String, _ cls: LockClass) -> Bool { holding(thread).contains { $0.cls == cls } }

    /// Takes the findings collected so far.
    mutating func drain() -> [LockWarning] {
        defer { pending = [] }
        return pending
    }

    private mutating func report(_ key: String, _ kind: LockWarning.Kind, _ message: String, _ lines: [String]) {
        guard reported.insert(key).inserted else { return }
        pending.append(LockWarning(kind: kind, message: message, chain: lines, line: line))
    }

    private func heldLines(_ thread: String) -> [String] {
        let h = holding(thread)
        var out = ["\(h.count) lock\(h.count == 1 ? "" : "s") held by \(thread)/1:"]
        for (i, l) in h.enumerated() {
            out.append(" #\(i): (\(l.cls.rawValue)){\(l.mode == .read ? "++++" : "+.+.")}, at: \(l.site)")
        }
        return out
    }

    /// Acquires `cls`; records dependencies and reports recursion and cycles.
    /// - Parameters:
    ///   - nested: lockdep `_nested` annotation (a second instance of the same class, e.g. the src VMA).
    ///   - trylock: a trylock adds no dependency and never reports a cycle.
    mutating func acquire(_ thread: String, _ cls: LockClass, _ mode: LockMode, at site: String,
                          nested: Bool = false, trylock: Bool = false) {
        let stack = holding(thread)
        if !cls.isSpinlock, let atomic = stack.last(where: { $0.cls.isSpinlock }), !trylock {
            sleepingCall(thread, at: site, because: "\(mode == .read ? "down_read" : "lock")(\(cls.rawValue)) with \(atomic.cls.rawValue) held")
        }
        if !nested, let prev = stack.first(where: { $0.cls == cls }) {
            report("rec:\(cls):\(site)", .recursiveLocking,
                   "possible recursive locking detected: \(cls.rawValue) at \(site)", [
                "============================================",
                "WARNING: possible recursive locking detected",
                "--------------------------------------------",
                "\(thread)/1 is trying to acquire lock:",
                " (\(cls.rawValue))\(cls.usage), at: \(site)",
                "",
                "but task is already holding lock:",
                " (\(cls.rawValue))\(cls.usage), at: \(prev.site)",
                "",
                "other info that might help us debug this:",
                " Possible unsafe locking scenario:",
                "",
                "       CPU0",
                "       ----",
                "  \(prev.mode == .read ? "rlock" : "lock")(\(cls.rawValue));",
                "  \(mode == .read ? "rlock" : "lock")(\(cls.rawValue));",
                "",
                " *** DEADLOCK ***",
                "",
                " May be due to missing lock nesting notation",
                "",
            ] + heldLines(thread))
        }
        if !trylock {
            for h in stack where h.cls != cls {
                addEdge(thread, from: h, to: cls, mode: mode, site: site)
            }
        }
        held[thread, default: []].append(HeldLock(cls: cls, mode: mode, site: site))
    }

    private mutating func addEdge(_ thread: String, from h: HeldLock, to cls: LockClass, mode: LockMode, site: String) {
        if edges[h.cls]?[cls] != nil { return }
        // Would B →* A close a cycle?
        if let path = findPath(from: cls, to: h.cls) {
            var lines = [
                "======================================================",
                "WARNING: possible circular locking dependency detected",
                "------------------------------------------------------",
                "\(thread)/1 is trying to acquire lock:",
                " (\(cls.rawValue))\(cls.usage), at: \(site)",
                "",
                "but task is already holding lock:",
                " (\(h.cls.rawValue))\(h.cls.usage), at: \(h.site)",
                "",
                "which lock already depends on the new lock.",
                "",
                "the existing dependency chain (in reverse order) is:",
                "",
            ]
            // path = [cls, ..., h.cls]; print in reverse order like lockdep.
            let n = path.count - 1
            for (i, c) in path.reversed().enumerated() {
                let idx = n - i
                let siteText: String
                if idx > 0, let e = edges[path[idx - 1]]?[c] { siteText = e.1 } else { siteText = site }
                lines.append("-> #\(idx) (\(c.rawValue))\(c.usage):")
                lines.append("       \(siteText)")
                lines.append("")
            }
            lines += [
                "other info that might help us debug this:",
                "",
                " Possible unsafe locking scenario:",
                "",
                "       CPU0                    CPU1",
                "       ----                    ----",
                "  lock(\(h.cls.rawValue));",
                "                               lock(\(cls.rawValue));",
                "                               lock(\(h.cls.rawValue));",
                "  \(mode == .read ? "rlock" : "lock")(\(cls.rawValue));",
                "",
                " *** DEADLOCK ***",
                "",
            ] + heldLines(thread)
            let chainText = path.map(\.rawValue).joined(separator: " -> ")
            report("cyc:\(h.cls):\(cls)", .circularDependency,
                   "possible circular locking dependency detected: \(h.cls.rawValue) -> \(cls.rawValue) at \(site) vs existing \(chainText)",
                   lines)
        }
        edges[h.cls, default: [:]][cls] = (h.site, site)
    }

    /// BFS over the dependency graph.
    func findPath(from a: LockClass, to b: LockClass) -> [LockClass]? {
        var prev: [LockClass: LockClass] = [:]
        var queue = [a]
        var seen: Set<LockClass> = [a]
        var i = 0
        while i < queue.count {
            let cur = queue[i]
            i += 1
            if cur == b {
                var path = [b]
                var c = b
                while let p = prev[c] { path.append(p); c = p }
                return path.reversed()
            }
            for next in (edges[cur] ?? [:]).keys.sorted() where !seen.contains(next) {
                seen.insert(next)
                prev[next] = cur
                queue.append(next)
            }
        }
        return nil
    }

    /// Releases the most recent `cls` held by `thread`; reports an unbalanced unlock.
    mutating func release(_ thread: String, _ cls: LockClass, at site: String) {
        if let idx = holding(thread).lastIndex(where: { $0.cls == cls }) {
            held[thread]?.remove(at: idx)
            return
        }
        report("unl:\(cls):\(site)", .badUnlock, "bad unlock balance detected: \(cls.rawValue) released at \(site) but not held", [
            "=====================================",
            "WARNING: bad unlock balance detected!",
            "-------------------------------------",
            "\(thread)/1 is trying to release lock (\(cls.rawValue)) at:",
            "  \(site)",
            "but there are no more locks to release!",
            "",
            "other info that might help us debug this:",
        ] + heldLines(thread))
    }

    /// A call that may sleep (GFP_KERNEL allocation, mutex, schedule()).
    mutating func mightSleep(_ thread: String, at site: String, what: String = "might_sleep()") {
        if holding(thread).contains(where: { $0.cls.isSpinlock }) {
            sleepingCall(thread, at: site, because: what)
        }
    }

    private mutating func sleepingCall(_ thread: String, at site: String, because what: String) {
        report("slp:\(site)", .sleepInAtomic, "sleeping function called from invalid context at \(site): \(what)", [
            "BUG: sleeping function called from invalid context at \(site)",
            "in_atomic(): 1, irqs_disabled(): 0, non_block: 0, pid: 1, name: \(thread)",
            "preempt_count: 1, expected: 0",
            "  \(what)",
        ] + heldLines(thread))
    }

    /// A user-memory access that may fault (copy_from_user with page faults enabled).
    mutating func userAccess(_ thread: String, at site: String) {
        guard !pagefaultsDisabled.contains(thread) else { return }
        let locks = holding(thread).filter { $0.cls == .mmapLock || $0.cls == .vmaLock }
        if let l = locks.first {
            report("uf:\(site)", .userFaultUnderLock,
                   "possible deadlock: user fault under \(l.cls.rawValue) (copy_from_user with page faults enabled at \(site))", [
                "======================================================",
                "WARNING: possible deadlock: page fault on user memory with \(l.cls.rawValue) held",
                "------------------------------------------------------",
                "\(thread)/1 is trying to acquire lock:",
                " (&mm->mmap_lock){++++}, at: __might_fault (from \(site))",
                "",
                "but task is already holding lock:",
                " (\(l.cls.rawValue))\(l.cls.usage), at: \(l.site)",
                "",
                "A fault on a uffd-registered or foreign-mm source sleeps until userspace resolves it,",
                "while a queued mmap_write_lock() blocks every new reader: use pagefault_disable() and",
                "return -ENOENT with *foliop so that core retries with the locks dropped.",
                "",
                " *** DEADLOCK ***",
                "",
            ] + heldLines(thread))
        }
    }

    /// `lockdep_assert_held(cls)`.
    mutating func assertHeld(_ thread: String, _ cls: LockClass, at site: String) {
        if !holds(thread, cls) {
            report("must:\(cls):\(site)", .mustHold, "lockdep_assert_held(\(cls.rawValue)) failed at \(site)", [
                "WARNING: CPU: 0 PID: 1 at \(site)",
                "lockdep_assert_held(\(cls.rawValue)) failed: \(thread) does not hold it",
            ] + heldLines(thread))
        }
    }

    /// Return to user space: every lock must have been released.
    mutating func syscallExit(_ thread: String, from syscall: String) {
        let h = holding(thread)
        guard !h.isEmpty else { return }
        report("leak:\(syscall):\(h.map(\.cls.rawValue))", .lockLeak,
               "lock held when returning to user space from \(syscall): \(h.map(\.cls.rawValue).joined(separator: ", "))", [
            "================================================",
            "WARNING: lock held when returning to user space!",
            "------------------------------------------------",
            "\(thread)/1 is leaving the kernel (\(syscall)) with locks still held!",
        ] + heldLines(thread))
        held[thread] = []
    }

    /// A WARN_ON_ONCE, BUG_ON or leak the model detected outside the lock rules.
    mutating func kernelWarning(_ kind: LockWarning.Kind, _ message: String, at site: String, _ thread: String) {
        let head: String
        switch kind {
        case .bug: head = "kernel BUG at \(site)!"
        case .folioLeak: head = "BUG: Bad page state: folio leaked at \(site)"
        default: head = "WARNING: CPU: 0 PID: 1 at \(site)"
        }
        report("k:\(kind):\(site):\(message)", kind, message, [head, message] + heldLines(thread))
    }
}
