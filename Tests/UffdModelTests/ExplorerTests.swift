/// The interleaving explorer: shortest counterexamples, assertions, and honest bound reporting.
import Testing
@testable import UffdModel

@Suite struct ExplorerTests {
    /// Classic ABBA: A takes X then Y, B takes Y then X, with some noise before.
    static func abba(noise: Int) -> [ProgramBuilder] {
        var a = ProgramBuilder(thread: "A")
        for i in 0..<noise { a.note("work \(i)") }
        a.lock("X", at: "a1")
        a.lock("Y", at: "a2")
        a.unlock("Y", at: "a3")
        a.unlock("X", at: "a4")
        var b = ProgramBuilder(thread: "B")
        b.lock("Y", at: "b1")
        b.lock("X", at: "b2")
        b.unlock("X", at: "b3")
        b.unlock("Y", at: "b4")
        return [a, b]
    }

    @Test func findsTheShortestDeadlockSchedule() {
        let r = Explorer.explore(Self.abba(noise: 3))
        #expect(r.verdict == .deadlock)
        // Shortest: A's 3 notes, A takes X, B takes Y (5 steps), then both blocked lines.
        let steps = r.counterexample.filter { !$0.hasPrefix("  ") }
        #expect(steps.count == 5, "\(r.counterexample)")
        #expect(steps.contains("A: down_write/lock(X) at a1"))
        #expect(steps.contains("B: down_write/lock(Y) at b1"))
        #expect(r.counterexample.contains { $0.contains("A blocked at down_write/lock(Y)") })
        #expect(!r.boundHit)
    }

    @Test func consistentOrderIsSafe() {
        var a = ProgramBuilder(thread: "A")
        a.lock("X", at: "a1"); a.lock("Y", at: "a2"); a.unlock("Y", at: "a3"); a.unlock("X", at: "a4")
        var b = a
        b.thread = "B"
        let r = Explorer.explore([a, b])
        #expect(r.verdict == .safe)
        #expect(r.counterexample.isEmpty)
    }

    @Test func readerBehindAQueuedWriterDeadlocks() {
        // Recursive down_read with a writer queued in between (facts §4 S8).
        var a = ProgramBuilder(thread: "A")
        a.lock("mmap_lock", write: false, at: "uffd_lock_vma")
        a.set("holding", 1)
        a.lock("mmap_lock", write: false, at: "buggy_uffd_copy")
        a.unlock("mmap_lock", at: "x"); a.unlock("mmap_lock", at: "y")
        var b = ProgramBuilder(thread: "B")
        b.wait(until: "holding", equals: 1, at: "after A")
        b.lock("mmap_lock", write: true, at: "mmap_write_lock")
        b.unlock("mmap_lock", at: "z")
        #expect(Explorer.explore([a, b]).verdict == .deadlock)
    }

    @Test func lostWakeupIsADeadlockAndMustWaitCheckFixesIt() {
        func programs(mustWait: Bool) -> [ProgramBuilder] {
            var f = ProgramBuilder(thread: "fault")
            f.lock("wq", at: "handle_userfault"); f.set("queued", 1); f.unlock("wq", at: "handle_userfault")
            if mustWait { f.goto("done", if: "present", equals: 1) }
            f.wait(until: "woken", equals: 1, at: "schedule")
            f.label("done")
            var c = ProgramBuilder(thread: "copy")
            c.set("present", 1)
            c.lock("wq", at: "wake_userfault")
            c.goto("skip", if: "queued", equals: 0)
            c.set("woken", 1)
            c.label("skip")
            c.unlock("wq", at: "wake_userfault")
            return [f, c]
        }
        #expect(Explorer.explore(programs(mustWait: false)).verdict == .deadlock)
        #expect(Explorer.explore(programs(mustWait: true)).verdict == .safe)
    }

    @Test func assertionFailureComesBackWithItsSchedule() {
        var a = ProgramBuilder(thread: "A")
        a.copy("snap", from: "file")
        a.note("locks dropped")
        a.checkSame("file", "snap", "file changed while unlocked")
        var b = ProgramBuilder(thread: "B")
        b.add("file", 1)
        let r = Explorer.explore([a, b], initial: ["file": 7])
        #expect(r.verdict == .assertion)
        #expect(r.detail.contains("file changed while unlocked"))
        #expect(r.counterexample.last?.contains("fails") == true)
    }

    @Test func stateBoundIsReported() {
        // Three counters racing produce many states; a tiny bound must be reported, not hidden.
        var programs: [ProgramBuilder] = []
        for t in ["A", "B", "C"] {
            var p = ProgramBuilder(thread: t)
            for i in 0..<8 { p.add("v\(t)", i + 1) }
            programs.append(p)
        }
        let bounded = Explorer.explore(programs, maxStates: 50)
        #expect(bounded.boundHit)
        #expect(bounded.verdict == .boundHit)
        #expect(bounded.detail.contains("not exhaustive"))
        let full = Explorer.explore(programs)
        #expect(!full.boundHit)
        #expect(full.verdict == .safe)
        #expect(full.states == 9 * 9 * 9)
    }
}
