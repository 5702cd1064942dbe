/// Memory types and the driver modules that implement them, correct and deliberately buggy.
import Foundation

/// The mapping TYPE of a script `mmap` line.
enum MemType: String, Sendable, Hashable {
    case anon, shmem, hugetlb, file, gmem, module
}

/// A mistake a buggy example module makes (facts §3.5 "handler must not").
public enum DriverBug: String, Sendable, Hashable, CaseIterable {
    /// Takes `mmap_read_lock(mm)` inside the copy hook (facts §4 S8, §3.5).
    case takesMmapLock = "takes-mmap-lock"
    /// Allocates with GFP_KERNEL while holding the PTL it took itself (facts §4 S9).
    case sleepsUnderPTL = "sleeps-under-ptl"
    /// Calls a faulting `copy_from_user` without `pagefault_disable()` under the VMA lock (facts §3.2, §4 S3).
    case faultsOnUserMemory = "faults-on-user-memory"
    /// Returns the CONTINUE folio unlocked (facts §1.4 "locked and referenced", §4 S6).
    case returnsUnlockedFolio = "returns-unlocked-folio"
    /// Advertises UFFDIO_CONTINUE in its ioctl mask without a get-folio handler (facts §1.2 WARN_ON_ONCE).
    case advertisesWithoutHandler = "advertises-without-handler"
    /// Drops `*foliop` on the floor when block accounting fails on the retry call (facts §3.2 step 4).
    case leaksRetryFolio = "leaks-retry-folio"
    /// Returns -ENOENT for "offset past my size", which core reads as "retry with *foliop" (facts §3.2 step 5).
    case enoentForNonRetry = "enoent-for-non-retry"
    /// Calls `handle_userfault()` from its own `->fault()` with the folio still locked (facts §3.3 last point).
    case sleepsInFaultWithFolioLock = "fault-with-folio-lock"
}

/// A memory-type implementation the model can map.
public struct Driver: Sendable, Identifiable, Hashable {
    /// Script name (`gmem`, `buggy-mmap-lock`, ...).
    public var id: String
    /// Human title.
    public var title: String
    /// What it does, and for buggy ones what goes wrong and under which designs.
    public var summary: String
    /// The mistake it makes, if any.
    public var bug: DriverBug?
    /// Presets under which the mistake can be written at all (empty for correct drivers).
    public var bugPossibleUnder: [Preset]

    /// Every driver.
    public static let all: [Driver] = [
        Driver(id: "anon", title: "anonymous memory (core mm)",
               summary: "MAP_PRIVATE|MAP_ANONYMOUS; MISSING and WP, no MINOR (no page cache).", bug: nil, bugPossibleUnder: []),
        Driver(id: "shmem", title: "shmem / memfd",
               summary: "MISSING, WP (pte markers), MINOR; COPY fills the page cache on shared mappings.", bug: nil, bugPossibleUnder: []),
        Driver(id: "hugetlb", title: "hugetlbfs / memfd MFD_HUGETLB",
               summary: "MISSING, WP, MINOR through mfill_atomic_hugetlb(); no ZEROPAGE, no MOVE.", bug: nil, bugPossibleUnder: []),
        Driver(id: "file", title: "plain file (ext4-like)",
               summary: "No uffd support except WP with UFFD_FEATURE_WP_ASYNC.", bug: nil, bugPossibleUnder: []),
        Driver(id: "gmem", title: "guest_memfd-like module",
               summary: "MINOR through a get-folio handler; MISSING only where the design gives modules a copy path.",
               bug: nil, bugPossibleUnder: []),
        Driver(id: "example", title: "well-behaved example module",
               summary: "MINOR through a get-folio handler and MISSING through whatever copy path the design offers "
                   + "(uffd_copy that honours the -ENOENT/foliop protocol, or alloc_folio + filemap_add).",
               bug: nil, bugPossibleUnder: []),
        Driver(id: "buggy-mmap-lock", title: "module whose copy hook takes mmap_lock",
               summary: "uffd_copy() calls mmap_read_lock(mm) although core already holds the VMA/mmap lock: recursive read "
                   + "against a queued writer, and an inversion against mmap_write_lock → vma_start_write.",
               bug: .takesMmapLock, bugPossibleUnder: [.P2, .L1]),
        Driver(id: "buggy-sleep-ptl", title: "module that sleeps under the PTL",
               summary: "uffd_copy() takes the PTL itself and then allocates with GFP_KERNEL.",
               bug: .sleepsUnderPTL, bugPossibleUnder: [.P2, .L1]),
        Driver(id: "buggy-user-fault", title: "module that faults on user memory under the VMA lock",
               summary: "uffd_copy() calls copy_from_user() with page faults enabled instead of returning -ENOENT.",
               bug: .faultsOnUserMemory, bugPossibleUnder: [.P2, .L1]),
        Driver(id: "buggy-unlocked-folio", title: "module that returns the CONTINUE folio unlocked",
               summary: "Its get-folio handler drops the folio lock before returning; install then unlocks an unlocked folio.",
               bug: .returnsUnlockedFolio, bugPossibleUnder: [.P2, .P4, .L1, .M]),
        Driver(id: "buggy-advertise", title: "module that advertises CONTINUE without a handler",
               summary: "Sets the CONTINUE bit in its ioctl mask but provides no get-folio handler; core hits WARN_ON_ONCE. "
                   + "Impossible when support is implied by handlers.",
               bug: .advertisesWithoutHandler, bugPossibleUnder: [.P2, .P4, .L1]),
        Driver(id: "buggy-leak-folio", title: "module that leaks the retry folio",
               summary: "On the -ENOENT/foliop retry call its block accounting fails and it returns without folio_put(*foliop).",
               bug: .leaksRetryFolio, bugPossibleUnder: [.P2, .L1]),
        Driver(id: "buggy-enoent", title: "module that returns -ENOENT for a non-retry reason",
               summary: "Returns -ENOENT for 'offset beyond my size' without setting *foliop; core takes it as a retry request.",
               bug: .enoentForNonRetry, bugPossibleUnder: [.P2, .L1]),
        Driver(id: "buggy-fault-lock", title: "module that sleeps in handle_userfault with its folio locked",
               summary: "Its ->fault() locks the folio and calls handle_userfault(); CONTINUE then waits for that folio lock.",
               bug: .sleepsInFaultWithFolioLock, bugPossibleUnder: [.P2, .P4, .L1]),
    ]

    /// Looks a driver up by script name.
    public static func named(_ id: String) -> Driver? { all.first { $0.id == id.lowercased() } }

    /// Whether this is a loadable module (not a core memory type).
    var isModule: Bool { !["anon", "shmem", "hugetlb", "file"].contains(id) }

    /// Whether the module's mistake can be expressed under a design (decided by the knobs, not the preset name).
    func bugExpressible(_ d: Design) -> Bool {
        guard let bug else { return false }
        switch bug {
        case .takesMmapLock, .sleepsUnderPTL, .faultsOnUserMemory:
            return d.hasOps && d.delegation == .uffd_copy
        case .leaksRetryFolio, .enoentForNonRetry:
            return d.hasOps && d.delegation == .uffd_copy && d.retry == .enoentFoliop
        case .returnsUnlockedFolio:
            return d.hasOps
        case .advertisesWithoutHandler:
            return d.hasOps && d.capabilities != .handlers
        case .sleepsInFaultWithFolioLock:
            return d.hasOps && !d.coreCallsUserfault
        }
    }
}

/// What a module provides under a design: the fields of its `vm_uffd_ops` (facts §1.2, §1.4).
struct Provision: Sendable, Hashable {
    var hasOps = false
    /// Declared modes (VM_UFFD_* bits: 1 missing, 2 wp, 4 minor).
    var modes: UInt8 = 0
    /// Declared ioctls (BIT(_UFFDIO_*)).
    var ioctls: UInt64 = 0
    var getFolio = false
    var uffdCopy = false
    var allocHooks = false

    /// The `vm_uffd_ops` a module fills in under design `d`.
    static func module(_ driver: Driver, design d: Design) -> Provision {
        var p = Provision()
        guard d.hasOps else { return p }
        p.hasOps = true
        p.getFolio = true
        p.modes = Mode.minor
        p.ioctls = Ioctl.bit(.continue)
        switch d.delegation {
        case .core:
            break
        case .uffd_copy:
            // Nikita's guest_memfd on Peter's API did MINOR only; the example modules provide uffd_copy.
            if driver.id != "gmem" {
                p.uffdCopy = true
                p.modes |= Mode.missing
                p.ioctls |= Ioctl.bit(.copy)
            }
        case .alloc_hooks:
            p.allocHooks = true
            p.modes |= Mode.missing
            p.ioctls |= Ioctl.bit(.copy)
        }
        if driver.bug == .advertisesWithoutHandler && driver.bugExpressible(d) {
            p.getFolio = false
        }
        if d.capabilities == .handlers {
            // facts §1.5 A3: support follows from non-NULL handlers.
            p.ioctls = (p.getFolio ? Ioctl.bit(.continue) : 0) | (p.uffdCopy || p.allocHooks ? Ioctl.bit(.copy) : 0)
            p.modes = (p.getFolio ? Mode.minor : 0) | (p.uffdCopy || p.allocHooks ? Mode.missing : 0)
        }
        return p
    }
}

/// VM_UFFD_* mode bits as used by the model.
enum Mode {
    static let missing: UInt8 = 1
    static let wp: UInt8 = 2
    static let minor: UInt8 = 4
    static func text(_ m: UInt8) -> String {
        var parts: [String] = []
        if m & missing != 0 { parts.append("MISSING") }
        if m & wp != 0 { parts.append("WP") }
        if m & minor != 0 { parts.append("MINOR") }
        return parts.isEmpty ? "0" : parts.joined(separator: "|")
    }
}

/// `_UFFDIO_*` ioctl numbers (include/uapi/linux/userfaultfd.h).
enum Ioctl: Int {
    case register = 0, unregister = 1, wake = 2, copy = 3, zeropage = 4, move = 5, writeprotect = 6
    case `continue` = 7, poison = 8, api = 0x3F
    static func bit(_ i: Ioctl) -> UInt64 { 1 << UInt64(i.rawValue) }
    /// UFFD_API_RANGE_IOCTLS.
    static let range: UInt64 = bit(.wake) | bit(.copy) | bit(.zeropage) | bit(.move) | bit(.writeprotect)
        | bit(.continue) | bit(.poison)
    /// UFFD_API_RANGE_IOCTLS_BASIC (hugetlb): no ZEROPAGE, no MOVE.
    static let basic: UInt64 = bit(.wake) | bit(.copy) | bit(.writeprotect) | bit(.continue) | bit(.poison)
    /// UFFD_API_IOCTLS reported by UFFDIO_API.
    static let apiMask: UInt64 = bit(.register) | bit(.unregister) | bit(.api)
}
