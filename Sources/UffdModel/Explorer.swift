/// The interleaving explorer: breadth-first search over the lock/sleep points of 2–3 thread
/// programs with state hashing; deadlocks and failed assertions come back as the shortest schedule.
import Foundation

/// One instruction of a thread's lock skeleton (names resolved to indices by the explorer).
enum Instr: Sendable, Hashable {
    case acquire(lock: String, write: Bool, site: String)
    case tryAcquire(lock: String, write: Bool, site: String, orGoto: String)
    case release(lock: String, site: String)
    case set(String, Int)
    case add(String, Int)
    case copy(to: String, from: String)
    case waitUntil(String, Int, site: String)
    case gotoIfEq(String, Int, String)
    case gotoIfDiffer(String, String, String)
    case goto(String)
    case check(String, Int, String)
    case checkSame(String, String, String)
    case label(String)
    case note(String)
}

/// A thread's program for the explorer, written with a tiny assembler.
public struct ProgramBuilder: Sendable, Hashable {
    /// Thread name shown in schedules.
    public var thread: String
    var code: [Instr] = []

    /// Starts an empty program.
    public init(thread: String) { self.thread = thread }

    /// Blocking acquisition (rwsem semantics: readers wait behind a queued writer).
    public mutating func lock(_ name: String, write: Bool = true, at site: String) {
        code.append(.acquire(lock: name, write: write, site: site))
    }
    /// Trylock: jumps to `label` when the lock is not available.
    public mutating func trylock(_ name: String, write: Bool = false, at site: String, orGoto label: String) {
        code.append(.tryAcquire(lock: name, write: write, site: site, orGoto: label))
    }
    /// Release.
    public mutating func unlock(_ name: String, at site: String) { code.append(.release(lock: name, site: site)) }
    /// `v = value`.
    public mutating func set(_ v: String, _ value: Int) { code.append(.set(v, value)) }
    /// `v += delta`.
    public mutating func add(_ v: String, _ delta: Int) { code.append(.add(v, delta)) }
    /// `to = from`.
    public mutating func copy(_ to: String, from: String) { code.append(.copy(to: to, from: from)) }
    /// A sleep point: blocks until `v == value`.
    public mutating func wait(until v: String, equals value: Int, at site: String) {
        code.append(.waitUntil(v, value, site: site))
    }
    /// Conditional jump.
    public mutating func goto(_ label: String, if v: String, equals value: Int) { code.append(.gotoIfEq(v, value, label)) }
    /// Jump when two variables differ.
    public mutating func goto(_ label: String, ifDiffer a: String, _ b: String) { code.append(.gotoIfDiffer(a, b, label)) }
    /// Unconditional jump.
    public mutating func goto(_ label: String) { code.append(.goto(label)) }
    /// Assertion: `v == value`.
    public mutating func check(_ v: String, equals value: Int, _ message: String) { code.append(.check(v, value, message)) }
    /// Assertion: `a == b`.
    public mutating func checkSame(_ a: String, _ b: String, _ message: String) { code.append(.checkSame(a, b, message)) }
    /// A jump target.
    public mutating func label(_ name: String) { code.append(.label(name)) }
    /// A no-op shown in schedules.
    public mutating func note(_ text: String) { code.append(.note(text)) }
    /// Jumps to the end of the program.
    public mutating func end() { code.append(.goto("__end")) }
}

/// Resolved instruction.
private enum Op: Hashable {
    case acquire(Int, Bool)
    case tryAcquire(Int, Bool, Int)
    case release(Int)
    case set(Int, Int)
    case add(Int, Int)
    case copy(Int, Int)
    case wait(Int, Int)
    case gotoIfEq(Int, Int, Int)
    case gotoIfDiffer(Int, Int, Int)
    case goto(Int)
    case check(Int, Int)
    case checkSame(Int, Int)
    case nop
}

private struct ExState: Hashable {
    var pcs: [UInt16]
    var writer: [Int8]
    var readers: [UInt8]
    var vars: [Int32]
}

/// The explorer.
public enum Explorer {
    /// Explores every interleaving of `programs`.
    /// - Parameters:
    ///   - initial: starting values of variables (others start at 0).
    ///   - maxStates: the state bound; when hit, the result says so.
    /// - Returns: the verdict, state counts and the shortest counterexample.
    public static func explore(_ programs: [ProgramBuilder], initial: [String: Int] = [:],
                               maxStates: Int = 50_000) -> ExplorationSummary {
        var lockIdx: [String: Int] = [:]
        var lockNames: [String] = []
        var varIdx: [String: Int] = [:]
        func lk(_ n: String) -> Int {
            if let i = lockIdx[n] { return i }
            lockIdx[n] = lockNames.count
            lockNames.append(n)
            return lockNames.count - 1
        }
        func vr(_ n: String) -> Int {
            if let i = varIdx[n] { return i }
            varIdx[n] = varIdx.count
            return varIdx.count - 1
        }
        for k in initial.keys.sorted() { _ = vr(k) }
        var ops: [[Op]] = []
        var labels: [[String]] = []
        var messages: [[String]] = []
        for p in programs {
            var targets: [String: Int] = [:]
            var idx = 0
            for ins in p.code {
                if case .label(let l) = ins { targets[l] = idx } else { idx += 1 }
            }
            targets["__end"] = idx
            var out: [Op] = []
            var text: [String] = []
            var msg: [String] = []
            for ins in p.code {
                switch ins {
                case .label: continue
                case .acquire(let l, let w, let site):
                    out.append(.acquire(lk(l), w)); text.append("\(w ? "down_write/lock" : "down_read")(\(l)) at \(site)"); msg.append("")
                case .tryAcquire(let l, let w, let site, let g):
                    out.append(.tryAcquire(lk(l), w, targets[g] ?? idx)); text.append("trylock(\(l)) at \(site)"); msg.append("")
                case .release(let l, let site):
                    out.append(.release(lk(l))); text.append("unlock(\(l)) at \(site)"); msg.append("")
                case .set(let v, let x):
                    out.append(.set(vr(v), x)); text.append("·\(v) = \(x)"); msg.append("")
                case .add(let v, let d):
                    out.append(.add(vr(v), d)); text.append("·\(v) += \(d)"); msg.append("")
                case .copy(let a, let b):
                    out.append(.copy(vr(a), vr(b))); text.append("·\(a) = \(b)"); msg.append("")
                case .waitUntil(let v, let x, let site):
                    out.append(.wait(vr(v), x)); text.append("sleep until \(v) == \(x) at \(site)"); msg.append("")
                case .gotoIfEq(let v, let x, let g):
                    out.append(.gotoIfEq(vr(v), x, targets[g] ?? idx)); text.append("·if \(v) == \(x) goto \(g)"); msg.append("")
                case .gotoIfDiffer(let a, let b, let g):
                    out.append(.gotoIfDiffer(vr(a), vr(b), targets[g] ?? idx)); text.append("·if \(a) != \(b) goto \(g)"); msg.append("")
                case .goto(let g):
                    out.append(.goto(targets[g] ?? idx)); text.append("·goto \(g)"); msg.append("")
                case .check(let v, let x, let m):
                    out.append(.check(vr(v), x)); text.append("assert \(v) == \(x)"); msg.append(m)
                case .checkSame(let a, let b, let m):
                    out.append(.checkSame(vr(a), vr(b))); text.append("assert \(a) == \(b)"); msg.append(m)
                case .note(let n):
                    out.append(.nop); text.append(n); msg.append("")
                }
            }
            ops.append(out)
            labels.append(text)
            messages.append(msg)
        }
        var vars = [Int32](repeating: 0, count: varIdx.count)
        for (k, v) in initial { if let i = varIdx[k] { vars[i] = Int32(v) } }
        let start = ExState(pcs: [UInt16](repeating: 0, count: programs.count),
                            writer: [Int8](repeating: -1, count: lockNames.count),
                            readers: [UInt8](repeating: 0, count: lockNames.count), vars: vars)

        func waitingWriter(_ s: ExState, _ l: Int, except t: Int) -> Bool {
            for j in 0..<ops.count where j != t {
                let pc = Int(s.pcs[j])
                if pc < ops[j].count, case .acquire(let l2, true) = ops[j][pc], l2 == l { return true }
            }
            return false
        }
        func available(_ s: ExState, _ l: Int, _ write: Bool, _ t: Int) -> Bool {
            if write { return s.writer[l] == -1 && s.readers[l] == 0 }
            return s.writer[l] == -1 && !waitingWriter(s, l, except: t)
        }
        enum Step { case blocked, next(ExState), failed(String) }
        func step(_ s: ExState, _ t: Int) -> Step {
            let pc = Int(s.pcs[t])
            guard pc < ops[t].count else { return .blocked }
            var n = s
            n.pcs[t] = UInt16(pc + 1)
            switch ops[t][pc] {
            case .acquire(let l, let w):
                guard available(s, l, w, t) else { return .blocked }
                if w { n.writer[l] = Int8(t) } else { n.readers[l] |= UInt8(1 << t) }
            case .tryAcquire(let l, let w, let target):
                if available(s, l, w, t) && !(w == false && s.readers[l] & UInt8(1 << t) != 0) {
                    if w { n.writer[l] = Int8(t) } else { n.readers[l] |= UInt8(1 << t) }
                } else {
                    n.pcs[t] = UInt16(target)
                }
            case .release(let l):
                if s.writer[l] == Int8(t) { n.writer[l] = -1 } else { n.readers[l] &= ~UInt8(1 << t) }
            case .set(let v, let x): n.vars[v] = Int32(x)
            case .add(let v, let d): n.vars[v] += Int32(d)
            case .copy(let a, let b): n.vars[a] = s.vars[b]
            case .wait(let v, let x):
                guard s.vars[v] == Int32(x) else { return .blocked }
            case .gotoIfEq(let v, let x, let target):
                if s.vars[v] == Int32(x) { n.pcs[t] = UInt16(target) }
            case .gotoIfDiffer(let a, let b, let target):
                if s.vars[a] != s.vars[b] { n.pcs[t] = UInt16(target) }
            case .goto(let target): n.pcs[t] = UInt16(target)
            case .check(let v, let x):
                if s.vars[v] != Int32(x) { return .failed(messages[t][pc]) }
            case .checkSame(let a, let b):
                if s.vars[a] != s.vars[b] { return .failed(messages[t][pc]) }
            case .nop: break
            }
            return .next(n)
        }

        var states: [ExState] = [start]
        var parent: [Int] = [-1]
        var action: [String] = [""]
        var seen: [ExState: Int] = [start: 0]
        var head = 0
        var transitions = 0
        var bound = false
        func path(_ i: Int, extra: String? = nil) -> [String] {
            var out: [String] = []
            var c = i
            while c > 0 {
                if !action[c].hasPrefix("·") { out.append(action[c]) }
                c = parent[c]
            }
            out.reverse()
            if let e = extra { out.append(e) }
            return out
        }
        while head < states.count {
            let s = states[head]
            let cur = head
            head += 1
            var any = false
            var allDone = true
            for t in 0..<ops.count {
                let pc = Int(s.pcs[t])
                if pc < ops[t].count { allDone = false }
                switch step(s, t) {
                case .blocked: continue
                case .failed(let m):
                    let label = "\(programs[t].thread): \(labels[t][pc])"
                    return ExplorationSummary(verdict: .assertion, states: states.count, transitions: transitions, boundHit: false,
                                              counterexample: path(cur, extra: label + "  ← fails"),
                                              detail: "assertion failed: \(m)")
                case .next(let n):
                    any = true
                    transitions += 1
                    if seen[n] == nil {
                        if states.count >= maxStates {
                            bound = true
                            continue
                        }
                        seen[n] = states.count
                        states.append(n)
                        parent.append(cur)
                        let shown = labels[t][pc]
                        action.append(shown.hasPrefix("·") ? shown : "\(programs[t].thread): \(shown)")
                    }
                }
            }
            if !any && !allDone {
                var blocked: [String] = []
                for t in 0..<ops.count where Int(s.pcs[t]) < ops[t].count {
                    blocked.append("\(programs[t].thread) blocked at \(labels[t][Int(s.pcs[t])])")
                }
                return ExplorationSummary(verdict: .deadlock, states: states.count, transitions: transitions, boundHit: false,
                                          counterexample: path(cur) + blocked.map { "  " + $0 },
                                          detail: "*** DEADLOCK ***: " + blocked.joined(separator: "; "))
            }
        }
        if bound {
            return ExplorationSummary(verdict: .boundHit, states: states.count, transitions: transitions, boundHit: true,
                                      counterexample: [], detail: "state bound of \(maxStates) hit: no problem found in the part explored, the search is not exhaustive")
        }
        return ExplorationSummary(verdict: .safe, states: states.count, transitions: transitions, boundHit: false,
                                  counterexample: [], detail: "every interleaving explored (\(states.count) states): no deadlock, no failed assertion")
    }
}
