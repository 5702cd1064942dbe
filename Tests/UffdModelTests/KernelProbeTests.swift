/// Hand-written uffd scripts run on the live kernel through `uffd-probe`: every `expect` line
/// must hold on the kernel (facts sheet §2.3 table and the single-thread, non-blocking §4
/// scenarios). `KernelModelAgreementTests` (KernelDifferentialTests.swift) requires the model's
/// D0 preset to predict the same errno, output fields and ioctls mask for every step. Where the
/// kernel and the facts sheet disagree the expectation names the kernel value and says so (see
/// docs/kernel-differences.md).
import Foundation
import Testing
import TestSupport

/// A named script with `expect` lines.
struct KernelCase: CustomTestStringConvertible, Sendable {
    var name: String
    var script: String
    var hugetlb: Bool = false
    var testDescription: String { name }
}

/// The `_UFFDIO_*` bits the kernel reports after UFFDIO_REGISTER.
enum RangeIoctl {
    static let wake: UInt64 = 1 << 0x02
    static let copy: UInt64 = 1 << 0x03
    static let zeropage: UInt64 = 1 << 0x04
    static let move: UInt64 = 1 << 0x05
    static let writeprotect: UInt64 = 1 << 0x06
    static let `continue`: UInt64 = 1 << 0x07
    static let poison: UInt64 = 1 << 0x08
    /// UFFD_API_RANGE_IOCTLS: 0x1fc.
    static let all = wake | copy | zeropage | move | writeprotect | `continue` | poison
    /// UFFD_API_RANGE_IOCTLS_BASIC (hugetlb): no ZEROPAGE, no MOVE: 0x1cc.
    static let basic = wake | copy | writeprotect | `continue` | poison

    /// The mask REGISTER reports: WRITEPROTECT only with MODE_WP, CONTINUE only with MODE_MINOR.
    static func mask(hugetlb: Bool, modes: [String]) -> UInt64 {
        var m = hugetlb ? basic : all
        if !modes.contains("wp") { m &= ~writeprotect }
        if !modes.contains("minor") { m &= ~`continue` }
        return m
    }
}

let kernelScenarioCases: [KernelCase] = [
    KernelCase(name: "S2 anonymous memory refuses MINOR registration", script: """
        mmap a anon pages=4
        api
        register a mode=minor
        expect errno=EINVAL
        register a mode=missing,minor
        expect errno=EINVAL
        register a mode=missing
        expect errno=ok ioctls=0x13c
        """),
    KernelCase(name: "S10 hugetlb ZEROPAGE fails inside the fill path", script: """
        mmap h hugetlb pages=2
        api
        register h mode=missing
        expect errno=ok ioctls=0x10c
        zeropage h
        expect errno=EINVAL zeropage=-22
        copy h
        expect errno=ok copy=2097152
        copy h
        expect errno=EEXIST copy=-17
        """, hugetlb: true),
    KernelCase(name: "S11 hugetlb COPY to a dst that is not huge-page aligned", script: """
        mmap h hugetlb pages=2
        api
        register h mode=missing
        copy h unaligned
        # The kernel reports the error through the output field too (mfill_atomic_hugetlb).
        expect errno=EINVAL copy=-22
        """, hugetlb: true),
    KernelCase(name: "hugetlb: COPY beyond i_size is EFAULT; the one-VMA check comes before alignment", script: """
        mmap h hugetlb pages=2
        api
        register h mode=missing
        truncate h pages=1
        copy h offset=1
        expect errno=EFAULT copy=-14
        mmap g hugetlb pages=2
        register g pages=1 mode=missing
        copy g unaligned
        # dst+4 KiB for one huge page runs past the registered VMA: -ENOENT before -EINVAL.
        expect errno=ENOENT copy=-2
        """, hugetlb: true),
    KernelCase(name: "hugetlb VMAs split by a partial registration never merge back", script: """
        mmap h hugetlb pages=2
        api
        register h pages=1 mode=missing
        register h offset=1 pages=1 mode=missing
        copy h pages=2
        # Two VMAs now (hugetlb VMAs have a close op, so they are never merged): -ENOENT.
        expect errno=ENOENT copy=-2
        unregister h
        register h mode=missing
        copy h pages=2
        expect errno=ENOENT copy=-2
        mmap a anon pages=2
        register a pages=1 mode=wp
        register a mode=missing,wp
        copy a pages=2
        # Anonymous (and shmem) VMAs merge back.
        expect errno=ok copy=8192
        """, hugetlb: true),
    KernelCase(name: "The i_size check applies to MAP_PRIVATE shmem too", script: """
        mmap s shmem pages=4 private
        api
        register s mode=missing
        truncate s pages=1
        copy s offset=2
        expect errno=EFAULT copy=-14
        zeropage s pages=2
        expect errno=EAGAIN zeropage=4096
        poison s offset=3
        expect errno=EFAULT updated=-14
        """),
    KernelCase(name: "A poison marker survives MADV_REMOVE and makes MOVE's source EFAULT", script: """
        mmap s shmem pages=2 shared
        api
        register s mode=missing,minor
        poison s
        madvise s remove
        poison s
        expect errno=EEXIST updated=-17
        mmap a anon pages=4
        register a mode=missing
        poison a
        move a a offset=1
        expect errno=EFAULT move=-14
        """),
    KernelCase(name: "S12 MAP_PRIVATE shmem registers MINOR and CONTINUE maps the page-cache page", script: """
        mmap s shmem pages=4 private
        api
        register s mode=minor
        expect errno=ok ioctls=0x1bc
        pwrite s offset=1
        expect errno=ok
        continue s offset=1
        expect errno=ok mapped=4096
        continue s offset=1
        expect errno=EEXIST mapped=-17
        continue s offset=2
        # No folio in the page cache.
        expect errno=EFAULT mapped=-14
        """),
    KernelCase(name: "S13 MAP_PRIVATE shmem COPY produces anonymous memory", script: """
        mmap s shmem pages=4 private
        api
        register s mode=missing
        expect errno=ok ioctls=0x13c
        copy s offset=3
        expect errno=ok copy=4096
        copy s offset=3
        expect errno=EEXIST copy=-17
        zeropage s offset=2
        expect errno=ok zeropage=4096
        """),
    KernelCase(name: "S15 a read-only shared memfd mapping lacks VM_MAYWRITE", script: """
        mmap r shmem pages=2 readonly
        api
        register r mode=missing
        expect errno=EPERM
        mmap f file pages=2 readonly
        register f mode=missing
        # A regular (ext4) file cannot userfault at all, so it fails earlier.
        expect errno=EINVAL
        mmap p shmem pages=2 private readonly
        register p mode=missing
        # MAP_PRIVATE keeps VM_MAYWRITE even on an O_RDONLY file.
        expect errno=ok ioctls=0x13c
        """),
    KernelCase(name: "S14 a regular file registers WP only with WP_ASYNC", script: """
        mmap f file pages=2
        api features=WP_ASYNC
        register f mode=wp
        # Kernel: the mask still names COPY, ZEROPAGE and MOVE for this file VMA.
        expect errno=ok ioctls=0x17c
        register f mode=missing
        expect errno=EINVAL
        mmap g file pages=2
        uffd u1
        api ctx=u1
        register g mode=wp ctx=u1
        expect errno=EINVAL
        """),
    KernelCase(name: "S16 a range owned by another uffd is EBUSY", script: """
        mmap a anon pages=4
        api
        uffd u1
        api ctx=u1
        register a mode=missing
        register a mode=missing ctx=u1
        expect errno=EBUSY
        unregister a ctx=u1
        # Unregistering through the wrong uffd is refused too.
        expect errno=EINVAL
        close
        register a mode=missing ctx=u1
        expect errno=ok ioctls=0x13c
        copy a
        expect errno=EBADF
        """),
    KernelCase(name: "S17 COPY onto a present PTE is EEXIST, a partial COPY is EAGAIN", script: """
        mmap a anon pages=4
        api
        register a mode=missing
        copy a offset=1
        expect errno=ok copy=4096
        copy a offset=1
        expect errno=EEXIST copy=-17
        copy a offset=0 pages=2
        expect errno=EAGAIN copy=4096
        zeropage a offset=3
        expect errno=ok zeropage=4096
        zeropage a offset=3
        expect errno=EEXIST zeropage=-17
        """),
    KernelCase(name: "S18 D0: COPY into shared shmem beyond i_size is EFAULT", script: """
        mmap s shmem pages=4
        api
        register s mode=missing
        truncate s pages=2
        copy s offset=3
        expect errno=EFAULT copy=-14
        zeropage s offset=2
        expect errno=EFAULT zeropage=-14
        copy s offset=1
        expect errno=ok copy=4096
        """),
    KernelCase(name: "S20 MOVE: shared src EINVAL, src hole ENOENT, populated dst EEXIST", script: """
        mmap d anon pages=4
        mmap s shmem pages=4 populate
        mmap a anon pages=4 populate
        api features=MOVE
        register d mode=missing
        move d s
        expect errno=EINVAL move=-22
        move d a
        expect errno=ok move=4096
        move d a offset=1
        expect errno=ENOENT move=-2
        move d a offset=1 mode=allow_src_holes
        expect errno=ok move=4096
        move d a offset=2 srcoffset=3
        expect errno=ok move=4096
        move d a offset=2 srcoffset=2
        expect errno=EEXIST move=-17
        move a d offset=3 srcoffset=2
        # dst must be a registered range.
        expect errno=EINVAL move=-22
        """),
    KernelCase(name: "MOVE needs no UFFD_FEATURE_MOVE on 6.18", script: """
        mmap d anon pages=2
        mmap a anon pages=2 populate
        api
        register d mode=missing
        move d a
        # Facts sheet §2.2 (unverified): "needs UFFD_FEATURE_MOVE". Kernel: it does not.
        expect errno=ok move=4096
        """),
    KernelCase(name: "Every ioctl before UFFDIO_API is EINVAL, a second UFFDIO_API too", script: """
        mmap a anon pages=2
        register a mode=missing
        expect errno=EINVAL
        api
        expect errno=ok
        api
        expect errno=EINVAL
        register a mode=missing
        expect errno=ok ioctls=0x13c
        """),
    KernelCase(name: "Mode bits: WP fill needs a WP range, ZEROPAGE and POISON take no WP", script: """
        mmap a anon pages=4
        api
        register a mode=missing
        copy a mode=wp
        expect errno=EINVAL copy=-22
        zeropage a mode=wp
        # Refused before the fill runs: the output field stays unwritten.
        expect errno=EINVAL
        poison a mode=wp
        expect errno=EINVAL
        continue a
        expect errno=EINVAL mapped=-22
        writeprotect a mode=wp
        expect errno=ENOENT
        register a mode=missing,wp
        expect errno=ok ioctls=0x17c
        copy a mode=wp
        expect errno=ok copy=4096
        writeprotect a mode=wp dontwake
        expect errno=EINVAL
        writeprotect a mode=clear
        expect errno=ok
        poison a offset=1
        expect errno=ok updated=4096
        """),
    KernelCase(name: "Ranges: empty is EINVAL, partly outside the VMA registers, wholly outside is EINVAL", script: """
        mmap a anon pages=4
        api
        register a pages=0 mode=missing
        expect errno=EINVAL
        register a offset=2 pages=8 mode=missing
        expect errno=ok ioctls=0x13c
        register a offset=5 pages=2 mode=missing
        expect errno=EINVAL
        unregister a offset=5 pages=2
        expect errno=EINVAL
        copy a offset=3 pages=2
        # The range must lie inside one VMA: nothing is copied.
        expect errno=ENOENT copy=-2
        copy a offset=5
        expect errno=ENOENT copy=-2
        register a mode=missing
        expect errno=ok
        munmap a offset=1 pages=1
        expect errno=ok
        copy a offset=0 pages=3
        expect errno=ENOENT copy=-2
        """),
    KernelCase(name: "CONTINUE finds the page-cache folio after DONTNEED but not after REMOVE", script: """
        mmap s shmem pages=2 populate
        api
        register s mode=minor,wp
        expect errno=ok ioctls=0x1fc
        continue s
        expect errno=EEXIST mapped=-17
        madvise s dontneed
        expect errno=ok
        continue s mode=wp
        expect errno=ok mapped=4096
        mmap t shmem pages=2
        register t mode=minor
        pwrite t
        madvise t remove
        continue t
        expect errno=EFAULT mapped=-14
        """),
    KernelCase(name: "fork keeps the registration, mremap without EVENT_REMAP drops it", script: """
        mmap a anon pages=2
        api
        register a mode=missing
        fork
        expect errno=ok
        copy a
        expect errno=ok copy=4096
        readevent
        expect errno=EAGAIN
        mremap a
        expect errno=ok
        copy a offset=1
        expect errno=ENOENT copy=-2
        """),
    KernelCase(name: "A poison marker blocks ZEROPAGE and POISON but not COPY or CONTINUE", script: """
        mmap a anon pages=4
        api
        register a mode=missing,wp
        poison a
        expect errno=ok updated=4096
        zeropage a
        # ZEROPAGE needs a truly empty PTE (pte_none); the marker is not empty.
        expect errno=EEXIST zeropage=-17
        poison a
        expect errno=EEXIST updated=-17
        poison a offset=1
        zeropage a pages=2
        # Page 0 is poisoned: the first page fails, nothing is done.
        expect errno=EEXIST zeropage=-17
        zeropage a offset=2 pages=2
        expect errno=ok zeropage=8192
        copy a
        # COPY overwrites the marker (pte_none_mostly).
        expect errno=ok copy=4096
        mmap s shmem pages=2
        register s mode=minor
        pwrite s
        poison s
        continue s
        expect errno=ok mapped=4096
        """),
    KernelCase(name: "A uffd-wp marker: anon ZEROPAGE refuses it, shmem ZEROPAGE and COPY overwrite it", script: """
        mmap a anon pages=4
        api features=WP_UNPOPULATED
        register a mode=missing,wp
        writeprotect a mode=wp
        zeropage a
        expect errno=EEXIST zeropage=-17
        copy a offset=1
        expect errno=ok copy=4096
        poison a offset=2
        expect errno=EEXIST updated=-17
        mmap s shmem pages=4
        register s mode=missing,wp
        writeprotect s mode=wp
        zeropage s
        expect errno=ok zeropage=4096
        copy s offset=1
        expect errno=ok copy=4096
        poison s offset=2
        expect errno=EEXIST updated=-17
        """),
    KernelCase(name: "MOVE: a source with no page table is ENOENT before the dst check", script: """
        mmap src anon pages=6
        mmap dst anon pages=6
        api
        register dst mode=missing
        zeropage dst
        move dst src srcoffset=3
        # src has never been touched: no page table, so -ENOENT comes first.
        expect errno=ENOENT move=-2
        move dst src srcoffset=3 mode=allow_src_holes
        expect errno=EEXIST move=-17
        mmap full anon pages=6 populate
        mmap tmp anon pages=6
        register tmp mode=missing
        move tmp full offset=3 srcoffset=3
        expect errno=ok move=4096
        move dst full srcoffset=3
        # The source page table exists (PTE none): the populated dst is found first.
        expect errno=EEXIST move=-17
        """),
    KernelCase(name: "Multi-VMA mremap: a trailing hole moves, a registered VMA stops the move half-way", script: """
        mmap m shmem pages=6 shared
        munmap m offset=4 pages=2
        mremap m
        # 6.17+: MREMAP_FIXED moves the VMA and skips the hole after it.
        expect errno=ok
        mmap r shmem pages=3 shared
        api
        register r offset=1 mode=missing
        mremap r
        # Page 0's VMA has moved; the registered VMA refuses to move.
        expect errno=EFAULT
        unregister r pages=1
        expect errno=EINVAL
        unregister r offset=1 pages=1
        expect errno=ok
        """),
    KernelCase(name: "MOVE after fork: a shared folio is EBUSY, the zero page moves", script: """
        mmap m anon pages=4
        api
        register m mode=missing
        zeropage m
        copy m offset=2
        fork
        move m m offset=1
        # A zero-page PTE has no folio to be AnonExclusive: it moves.
        expect errno=ok move=4096
        move m m offset=3 srcoffset=2
        # The copied folio is shared with the (exited) child's COW mapping: not AnonExclusive.
        expect errno=EBUSY move=-16
        """),
    KernelCase(name: "mremap needs a VMA at its start address", script: """
        mmap m anon pages=6
        munmap m pages=2
        mremap m
        expect errno=EFAULT
        """),
    KernelCase(name: "Unregistered memory: fills are ENOENT", script: """
        mmap a anon pages=2
        mmap s shmem pages=2
        api
        copy a
        expect errno=ENOENT copy=-2
        zeropage s
        expect errno=ENOENT zeropage=-2
        poison a
        expect errno=ENOENT updated=-2
        wake a
        expect errno=ok
        """),
]

/// Register masks for each memory type and mode: the §2.3 table.
let kernelMaskCases: [KernelCase] = {
    let types: [(label: String, mmap: String, hugetlb: Bool, file: Bool, anon: Bool)] = [
        ("anon", "anon", false, false, true),
        ("shmem shared", "shmem shared", false, false, false),
        ("shmem private", "shmem private", false, false, false),
        ("hugetlb shared", "hugetlb shared", true, false, false),
        ("hugetlb private", "hugetlb private", true, false, false),
        ("file shared", "file shared", false, true, false),
        ("file private", "file private", false, true, false),
    ]
    let modes = ["missing", "wp", "minor", "missing,wp", "missing,minor", "wp,minor", "missing,wp,minor"]
    var cases: [KernelCase] = []
    for t in types {
        var script = "mmap a \(t.mmap) pages=2\napi\n"
        for mode in modes {
            let list = mode.split(separator: ",").map(String.init)
            script += "register a mode=\(mode)\n"
            if t.file || (t.anon && list.contains("minor")) {
                script += "expect errno=EINVAL\n"
            } else {
                let mask = RangeIoctl.mask(hugetlb: t.hugetlb, modes: list)
                script += "expect errno=ok ioctls=0x\(String(mask, radix: 16))\n"
            }
        }
        cases.append(KernelCase(name: "register masks: \(t.label)", script: script, hugetlb: t.hugetlb))
    }
    return cases
}()

/// The shared probe, located once.
enum KernelProbeFixture {
    static let probe: Result<KernelProbe, KernelProbeUnavailable> = {
        do {
            let probe = try KernelProbe.locate()
            // Exit status 4 (no userfaultfd) surfaces here as KernelProbeUnavailable.
            _ = try probe.run("mmap a anon pages=1\napi\n")
            return .success(probe)
        } catch let e as KernelProbeUnavailable {
            return .failure(e)
        } catch {
            return .failure(KernelProbeUnavailable(reason: "\(error)"))
        }
    }()
}

@Suite struct KernelProbeTests {
    /// Runs a case on the kernel (raising the huge page pool when it needs hugetlb) and returns
    /// its steps, or nil with the printed reason when it cannot run here.
    static func runOnKernel(_ c: KernelCase) throws -> KernelRun? {
        let probe: KernelProbe
        switch KernelProbeFixture.probe {
        case .success(let p): probe = p
        case .failure(let why):
            print("skipped \(c.name): \(why.reason)")
            return nil
        }
        if !c.hugetlb { return try probe.run(c.script) }
        let (value, skipped) = try HugePagePool.shared.withPages(8) { try probe.run(c.script) }
        if let skipped { print("skipped \(c.name): \(skipped)") }
        return value
    }

    @Test(arguments: kernelScenarioCases + kernelMaskCases)
    func kernelMatchesTheExpectations(_ c: KernelCase) throws {
        guard let run = try Self.runOnKernel(c) else { return }
        #expect(run.ran, "probe refused \(c.name): \(run.note ?? "")")
        let expectations = StepExpectation.parse(c.script)
        try #require(!expectations.isEmpty)
        let byLine = Dictionary(run.steps.map { ($0.line, $0) }, uniquingKeysWith: { a, _ in a })
        for e in expectations {
            for problem in e.mismatches(in: byLine[e.stepLine]) {
                Issue.record("\(c.name): \(problem)")
            }
        }
    }

    @Test func probeRefusesAFaultOnARegisteredRange() throws {
        guard case .success(let probe) = KernelProbeFixture.probe else { return }
        let run = try probe.run("mmap a anon pages=2\napi\nregister a mode=missing\nfault a offset=1 write\n")
        #expect(run.exitStatus == 3)
        #expect(run.note?.contains("line 4") == true)
        #expect(run.steps.count == 3)
    }

    @Test func probeExitsFourWhereUserfaultfdIsUnavailable() throws {
        guard case .success(let probe) = KernelProbeFixture.probe else { return }
        // As an unprivileged user with vm.unprivileged_userfaultfd=0 and /dev/userfaultfd 0600,
        // both ways to get a uffd fail with EPERM/EACCES.
        guard getuid() == 0, Tool.available("setpriv"),
              (try? String(contentsOfFile: "/proc/sys/vm/unprivileged_userfaultfd", encoding: .utf8))?
                .trimmingCharacters(in: .whitespacesAndNewlines) == "0" else {
            print("skipped: needs root, setpriv and vm.unprivileged_userfaultfd=0 to drop the privilege")
            return
        }
        let result = try Tool.run("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups",
                                              probe.executable.path, "-"],
                                  stdin: Data("mmap a anon pages=1\napi\n".utf8))
        #expect(result.status == 4)
        #expect(result.stderrText.contains("userfaultfd unavailable"))
        #expect(result.stdoutText.isEmpty)
    }

    @Test func probeRefusesMultiThreadScriptsAndUnknownOps() throws {
        guard case .success(let probe) = KernelProbeFixture.probe else { return }
        let runs = try probe.runBatch(["thread t1\nmmap a anon pages=1\n", "mmap a gmem pages=1\n",
                                       "mmap a anon pages=1\nfault a write\n"])
        #expect(runs.map(\.exitStatus) == [3, 3, 0])
        #expect(runs[2].steps.last?.op == "fault")
        #expect(runs[2].steps.last?.errno == nil)
    }
}

@Suite struct KernelComparisonToolTests {
    @Test func expectationReportsEveryMismatchedField() {
        let script = "mmap a anon pages=1\napi\nregister a mode=missing\nexpect errno=ok ioctls=0x13c\ncopy a\nexpect errno=EEXIST copy=-17\n"
        let expectations = StepExpectation.parse(script)
        #expect(expectations.map(\.stepLine) == [3, 5])
        let register = KernelStep(op: "register", line: 3, result: 0, errno: nil, ioctls: 0x17c, output: nil)
        let copy = KernelStep(op: "copy", line: 5, result: 0, errno: nil, ioctls: nil, output: ["copy": 4096])
        #expect(expectations[0].mismatches(in: register).count == 1)
        #expect(expectations[1].mismatches(in: copy).count == 2)
        #expect(expectations[1].mismatches(in: nil).count == 1)
    }

    @Test func comparisonNamesErrnoOutputAndMaskDifferences() {
        let k = [KernelStep(op: "copy", line: 4, result: -1, errno: "EEXIST", ioctls: nil, output: ["copy": -17]),
                 KernelStep(op: "register", line: 3, result: 0, errno: nil, ioctls: 0x13c, output: nil)]
        let m = [KernelStep(op: "copy", line: 4, result: 0, errno: nil, ioctls: nil, output: ["copy": 4096]),
                 KernelStep(op: "register", line: 3, result: 0, errno: nil, ioctls: 0x1fc, output: nil)]
        let differences = StepComparison.differences(kernel: k, model: m)
        #expect(differences.count == 3)
        #expect(StepComparison.differences(kernel: k, model: k).isEmpty)
        #expect(StepComparison.differences(kernel: k, model: []).count == 2)
    }

    @Test func shrinkerKeepsOnlyTheLinesTheDisagreementNeeds() async {
        let script = (1...9).map { "step\($0)" }.joined(separator: "\n") + "\n"
        let shortest = await ScriptShrinker.shrink(script) { batch in
            batch.map { $0.contains("step3\n") && $0.contains("step7\n") }
        }
        #expect(shortest == "step3\nstep7\n")
    }

    @Test func generatorIsDeterministicPerSeed() {
        let g = KernelScriptGenerator(includeHugetlb: false)
        #expect(g.script(seed: 42) == g.script(seed: 42))
        #expect(g.script(seed: 42) != g.script(seed: 43))
        #expect(!g.script(seed: 7).contains("hugetlb"))
    }
}
