/// Unit tests of the lockdep-like checker.
import Testing
@testable import UffdModel

@Suite struct LockCheckerTests {
    @Test func cycleIsReportedWithBothChains() {
        var c = LockChecker()
        c.acquire("T1", .mmapLock, .write, at: "userfaultfd_register")
        c.acquire("T1", .vmaLock, .write, at: "userfaultfd_register_range")
        c.release("T1", .vmaLock, at: "x")
        c.release("T1", .mmapLock, at: "x")
        #expect(c.drain().isEmpty)
        c.acquire("T2", .vmaLock, .read, at: "lock_vma_under_rcu")
        c.acquire("T2", .mmapLock, .read, at: "buggy_uffd_copy")
        let w = c.drain()
        #expect(w.count == 1)
        let warning = w.first
        #expect(warning?.kind == .circularDependency)
        let text = warning?.report ?? ""
        #expect(text.contains("WARNING: possible circular locking dependency detected"))
        // The existing chain (register: mmap_lock -> vm_lock) and the new one (vm_lock -> mmap_lock).
        #expect(text.contains("-> #1 (&vma->vm_lock){++++}:"))
        #expect(text.contains("userfaultfd_register_range"))
        #expect(text.contains("-> #0 (&mm->mmap_lock){++++}:"))
        #expect(text.contains("buggy_uffd_copy"))
        #expect(text.contains("*** DEADLOCK ***"))
        #expect(text.contains("#0: (&vma->vm_lock)"))
    }

    @Test func sleepingUnderASpinlockIsABug() {
        var c = LockChecker()
        c.acquire("T", .ptl, .write, at: "buggy_uffd_copy")
        c.mightSleep("T", at: "buggy_uffd_copy", what: "folio_alloc(GFP_KERNEL)")
        let w = c.drain()
        #expect(w.map(\.kind) == [.sleepInAtomic])
        #expect(w.first?.report.contains("BUG: sleeping function called from invalid context at buggy_uffd_copy") == true)
        c.release("T", .ptl, at: "x")
        c.mightSleep("T", at: "elsewhere")
        #expect(c.drain().isEmpty)
    }

    @Test func takingASleepingLockUnderASpinlockIsABug() {
        var c = LockChecker()
        c.acquire("T", .uffdWaitqueue, .write, at: "handle_userfault")
        c.acquire("T", .folioLock, .write, at: "bad")
        #expect(c.drain().map(\.kind) == [.sleepInAtomic])
    }

    @Test func recursiveAcquisitionIsReportedUnlessNested() {
        var c = LockChecker()
        c.acquire("T", .mmapLock, .read, at: "uffd_lock_vma")
        c.acquire("T", .mmapLock, .read, at: "buggy_uffd_copy")
        let w = c.drain()
        #expect(w.map(\.kind) == [.recursiveLocking])
        #expect(w.first?.report.contains("WARNING: possible recursive locking detected") == true)
        var n = LockChecker()
        n.acquire("T", .ptl, .write, at: "double_pt_lock")
        n.acquire("T", .ptl, .write, at: "double_pt_lock", nested: true)
        #expect(n.drain().isEmpty)
    }

    @Test func lockLeakedPastTheSyscall() {
        var c = LockChecker()
        c.acquire("T", .mapChanging, .read, at: "mfill_atomic")
        c.syscallExit("T", from: "UFFDIO_COPY")
        let w = c.drain()
        #expect(w.map(\.kind) == [.lockLeak])
        #expect(w.first?.report.contains("WARNING: lock held when returning to user space!") == true)
        #expect(c.holding("T").isEmpty)
    }

    @Test func unlockingWhatIsNotHeld() {
        var c = LockChecker()
        c.release("T", .folioLock, at: "mfill_atomic_pte_continue: folio_unlock")
        let w = c.drain()
        #expect(w.map(\.kind) == [.badUnlock])
        #expect(w.first?.report.contains("WARNING: bad unlock balance detected!") == true)
    }

    @Test func userFaultUnderTheMmapLockUnlessPagefaultsDisabled() {
        var c = LockChecker()
        c.acquire("T", .vmaLock, .read, at: "lock_vma_under_rcu")
        c.pagefaultsDisabled.insert("T")
        c.userAccess("T", at: "copy_from_user")
        #expect(c.drain().isEmpty)
        c.pagefaultsDisabled.remove("T")
        c.userAccess("T", at: "buggy_uffd_copy")
        #expect(c.drain().map(\.kind) == [.userFaultUnderLock])
    }

    @Test func mustHoldAssertion() {
        var c = LockChecker()
        c.assertHeld("T", .vmaLock, at: "handle_userfault: assert_fault_locked")
        #expect(c.drain().map(\.kind) == [.mustHold])
        c.acquire("T", .vmaLock, .read, at: "x")
        c.assertHeld("T", .vmaLock, at: "handle_userfault: assert_fault_locked")
        #expect(c.drain().isEmpty)
    }

    @Test func graphAccumulatesAcrossRuns() throws {
        // A scenario that registers teaches mmap_lock -> vm_lock; a later run closes the cycle.
        var checker = LockChecker()
        let setup = try #require(Catalog.scenario("S1"))
        _ = Simulator.run(setup, design: Design(preset: .P2), checker: &checker)
        #expect(checker.edgeCount > 0)
        let before = checker.edgeCount
        let s8 = try #require(Catalog.scenario("S8"))
        let r = Simulator.run(s8, design: Design(preset: .P2), checker: &checker)
        #expect(checker.edgeCount > before)
        #expect(r.warnings.contains { $0.kind == .circularDependency })
    }
}
