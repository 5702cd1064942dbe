/// What a simulation run returns to its callers (CLI, TUI, tests, probe comparison).
import Foundation

/// The errno values the model can return (Linux numbering, x86-64).
public enum Errno: String, Error, Sendable, Hashable, CaseIterable, Codable {
    case EPERM, ENOENT, ESRCH, EINTR, EIO, EBADF, EAGAIN, ENOMEM, EACCES, EFAULT, EBUSY, EEXIST, EINVAL, ENOSPC

    /// The positive errno number.
    public var code: Int {
        switch self {
        case .EPERM: return 1
        case .ENOENT: return 2
        case .ESRCH: return 3
        case .EINTR: return 4
        case .EIO: return 5
        case .EBADF: return 9
        case .EAGAIN: return 11
        case .ENOMEM: return 12
        case .EACCES: return 13
        case .EFAULT: return 14
        case .EBUSY: return 16
        case .EEXIST: return 17
        case .EINVAL: return 22
        case .ENOSPC: return 28
        }
    }

    /// The errno for a number, if the model knows it.
    public init?(code: Int) {
        guard let e = Errno.allCases.first(where: { $0.code == abs(code) }) else { return nil }
        self = e
    }
}

/// The result of one script step.
public struct StepResult: Sendable, Equatable {
    /// The op keyword (`copy`, `register`, ...).
    public var op: String
    /// 1-based script line.
    public var line: Int
    /// The thread that ran it.
    public var thread: String
    /// Syscall/ioctl return value: 0, -1 or a byte count.
    public var result: Int
    /// errno when `result` is -1.
    public var errno: Errno?
    /// The `ioctls` mask REGISTER wrote back (REGISTER steps only).
    public var ioctls: UInt64?
    /// Output fields such as `copy`, `zeropage`, `mapped`, `updated`, `move`, `waited`, `sigbus`.
    public var output: [String: Int]
    /// The kernel paths the model walked, one line each.
    public var trace: [String]

    /// Creates a step result.
    public init(op: String, line: Int, thread: String = "main", result: Int = 0, errno: Errno? = nil,
                ioctls: UInt64? = nil, output: [String: Int] = [:], trace: [String] = []) {
        self.op = op
        self.line = line
        self.thread = thread
        self.result = result
        self.errno = errno
        self.ioctls = ioctls
        self.output = output
        self.trace = trace
    }

    /// `ok`, `EINVAL`, or `4096` for byte counts.
    public var short: String {
        if let e = errno { return e.rawValue }
        return result > 0 ? "\(result)" : "ok"
    }
}

/// A checker finding, printed in lockdep's shape.
public struct LockWarning: Sendable, Equatable, Hashable {
    /// The kind of finding.
    public enum Kind: String, Sendable, Hashable, CaseIterable, Codable {
        case circularDependency = "circular-dependency"
        case sleepInAtomic = "sleep-in-atomic"
        case userFaultUnderLock = "user-fault-under-lock"
        case recursiveLocking = "recursive-locking"
        case lockLeak = "lock-leak"
        case badUnlock = "bad-unlock"
        case mustHold = "must-hold"
        case deadlock
        case assertion
        case warnOn = "warn-on"
        case bug
        case folioLeak = "folio-leak"
    }
    /// The kind.
    public var kind: Kind
    /// One-line headline.
    public var message: String
    /// The lockdep-style report lines (chains, held locks, scenario).
    public var chain: [String]
    /// Script line of the step that triggered it (0 for whole-scenario findings).
    public var line: Int

    /// Creates a warning.
    public init(kind: Kind, message: String, chain: [String] = [], line: Int = 0) {
        self.kind = kind
        self.message = message
        self.chain = chain
        self.line = line
    }

    /// The whole report as text.
    public var report: String { chain.joined(separator: "\n") }
}

/// What the interleaving explorer found.
public struct ExplorationSummary: Sendable, Equatable {
    /// What the exploration concluded.
    public enum Verdict: String, Sendable, Equatable { case safe, deadlock, assertion, boundHit = "bound-hit" }
    /// The verdict.
    public var verdict: Verdict
    /// Distinct states visited.
    public var states: Int
    /// Transitions taken.
    public var transitions: Int
    /// True when the state bound stopped the search before it was exhaustive.
    public var boundHit: Bool
    /// The shortest schedule reaching the problem (empty when safe), one `thread: action` per line.
    public var counterexample: [String]
    /// Human summary.
    public var detail: String

    /// Creates a summary.
    public init(verdict: Verdict, states: Int, transitions: Int, boundHit: Bool,
                counterexample: [String], detail: String) {
        self.verdict = verdict
        self.states = states
        self.transitions = transitions
        self.boundHit = boundHit
        self.counterexample = counterexample
        self.detail = detail
    }
}

/// The result of running one scenario (or script) under one design.
public struct RunResult: Sendable {
    /// The design it ran under.
    public var design: Design
    /// Scenario id, or `script` for a reviewer's own script.
    public var scenarioId: String
    /// One result per step.
    public var steps: [StepResult]
    /// One-line summary.
    public var outcome: String
    /// Checker findings.
    public var warnings: [LockWarning]
    /// Interleaving exploration, for multi-thread scripts.
    public var exploration: ExplorationSummary?
    /// `expect` lines that did not hold (line: text).
    public var failedExpectations: [String]

    /// Creates a run result.
    public init(design: Design, scenarioId: String, steps: [StepResult], outcome: String,
                warnings: [LockWarning], exploration: ExplorationSummary?, failedExpectations: [String] = []) {
        self.design = design
        self.scenarioId = scenarioId
        self.steps = steps
        self.outcome = outcome
        self.warnings = warnings
        self.exploration = exploration
        self.failedExpectations = failedExpectations
    }
}
