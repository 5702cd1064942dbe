/// TerminalAdapter: the only module that imports the ncursesw shim. It turns `Screen`s into
/// curses calls (changed rows only) and curses input into `InputEvent`s.
import CNcursesw
import Foundation
import TUICore

/// Why the terminal could not be opened.
public enum TerminalError: Error, Equatable, CustomStringConvertible {
    case notATerminal
    case cannotInitialise(String)
    public var description: String {
        switch self {
        case .notATerminal: return "standard output is not a terminal; patchlab's viewer needs one (try `patchlab parse FILE`)"
        case .cannotInitialise(let why): return "cannot initialise the terminal: \(why)"
        }
    }
}

/// Restores the terminal from signal handlers; set while a curses session is active.
nonisolated(unsafe) private var activeSession = false

private func restoreAndReraise(_ sig: Int32) {
    if activeSession {
        activeSession = false
        endwin()
    }
    signal(sig, SIG_DFL)
    raise(sig)
}

/// An ncursesw session on the real terminal (or headless on `/dev/null` for tests).
public final class CursesTerminal: TerminalIO {
    private let screenPointer: OpaquePointer?
    private let window: UnsafeMutablePointer<WINDOW>
    private var last: Screen?
    private var pairs: [Int: Int16] = [:]
    private var nextPair: Int16 = 1
    private var inputFile: UnsafeMutablePointer<FILE>?
    private var outputFile: UnsafeMutablePointer<FILE>?
    public let colors: Bool
    private var closed = false

    /// Opens curses on the controlling terminal.
    /// - Parameter environment: used for `NO_COLOR`.
    /// - Throws: `TerminalError` when stdout/stdin are not terminals or curses fails.
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        guard isatty(STDOUT_FILENO) != 0 else { throw TerminalError.notATerminal }
        setlocale(LC_ALL, "")
        // Mail may have come on standard input (`patchlab -`): keys then come from the
        // controlling terminal, as in less and mutt.
        let keyboard = isatty(STDIN_FILENO) != 0 ? fdopen(STDIN_FILENO, "r") : cn_fopen("/dev/tty", "r")
        // newterm (unlike initscr) reports an unknown TERM instead of exiting.
        guard let out = fdopen(STDOUT_FILENO, "w"), let inp = keyboard else {
            throw TerminalError.cannotInitialise("cannot open the terminal for keys (no controlling terminal)")
        }
        guard let scr = newterm(nil, out, inp) else {
            throw TerminalError.cannotInitialise("unknown terminal type (TERM=\(environment["TERM"] ?? "unset"))")
        }
        set_term(scr)
        guard let w = cn_stdscr() else { throw TerminalError.cannotInitialise("no stdscr") }
        screenPointer = scr
        window = w
        activeSession = true
        let noColor = !(environment["NO_COLOR"] ?? "").isEmpty
        colors = !noColor && has_colors()
        CursesTerminal.configure(window, colors: colors)
        CursesTerminal.installSignalHandlers()
    }

    /// Opens a headless curses screen writing to `/dev/null` (for the adapter smoke test).
    /// - Throws: `TerminalError.cannotInitialise` when `newterm` fails.
    public init(headlessTerm term: String) throws {
        setlocale(LC_ALL, "")
        guard let out = cn_fopen("/dev/null", "w"), let inp = cn_fopen("/dev/null", "r") else {
            throw TerminalError.cannotInitialise("cannot open /dev/null")
        }
        guard let scr = newterm(term, out, inp) else {
            fclose(out)
            fclose(inp)
            throw TerminalError.cannotInitialise("newterm(\(term)) failed")
        }
        set_term(scr)
        guard let w = cn_stdscr() else { throw TerminalError.cannotInitialise("no stdscr") }
        screenPointer = scr
        window = w
        outputFile = out
        inputFile = inp
        colors = has_colors()
        CursesTerminal.configure(window, colors: colors)
    }

    private static func configure(_ w: UnsafeMutablePointer<WINDOW>, colors: Bool) {
        cbreak()
        noecho()
        nonl()
        keypad(w, true)
        curs_set(0)
        set_escdelay(25)
        mousemask(cn_wheel_mask(), nil)
        mouseinterval(0)
        if colors {
            start_color()
            use_default_colors()
        }
    }

    private static func installSignalHandlers() {
        for sig in [SIGSEGV, SIGABRT, SIGTERM, SIGHUP, SIGINT, SIGBUS, SIGFPE] {
            signal(sig) { restoreAndReraise($0) }
        }
        // SIGTSTP/SIGCONT: ncurses' own handler (installed by initscr when SIGTSTP is default)
        // calls endwin before stopping and repaints on resume.
    }

    deinit { close() }

    /// Ends the curses session and restores the terminal. Safe to call more than once.
    public func close() {
        guard !closed else { return }
        closed = true
        endwin()
        activeSession = false
        if let s = screenPointer { delscreen(s) }
        if let f = outputFile { fclose(f) }
        if let f = inputFile { fclose(f) }
    }

    public var size: Size {
        var y: Int32 = 0, x: Int32 = 0
        cn_getmaxyx(window, &y, &x)
        return Size(columns: Int(x), rows: Int(y))
    }

    public func invalidate() {
        last = nil
        clearok(window, true)
    }

    private func attributes(for style: Style) -> attr_t {
        var a = cn_a_normal()
        if style.attributes.contains(.bold) { a |= cn_a_bold() }
        if style.attributes.contains(.reverse) { a |= cn_a_reverse() }
        if style.attributes.contains(.dim) { a |= cn_a_dim() }
        if style.attributes.contains(.underline) { a |= cn_a_underline() }
        if colors, style.foreground != nil || style.background != nil {
            let fg = Int(style.foreground?.rawValue ?? 255), bg = Int(style.background?.rawValue ?? 255)
            let key = fg << 8 | bg
            var pair = pairs[key]
            if pair == nil, Int(nextPair) < Int(cn_color_pairs()) {
                init_pair(nextPair, Int16(fg == 255 ? -1 : fg), Int16(bg == 255 ? -1 : bg))
                pairs[key] = nextPair
                pair = nextPair
                nextPair += 1
            }
            if let p = pair { a |= cn_color_pair(Int32(p)) }
        }
        return a
    }

    /// Draws one row of cells, grouping runs of the same style into one wide-string call.
    private func drawRow(_ cells: [Cell], y: Int) {
        var x = 0
        var run: [wchar_t] = []
        var runStart = 0
        var runStyle: Style?
        func flush() {
            guard let st = runStyle, !run.isEmpty else { return }
            _ = cn_wattrset(window, attributes(for: st))
            let n = Int32(run.count)
            run.append(0)
            run.withUnsafeBufferPointer { _ = cn_mvwaddnwstr(window, Int32(y), Int32(runStart), $0.baseAddress, n) }
            run.removeAll(keepingCapacity: true)
        }
        for c in cells {
            defer { x += 1 }
            if c.width == 0 { continue }
            if c.style != runStyle || c.width == 2 || !run.isEmpty && c.text.unicodeScalars.count > 1 {
                flush()
                runStyle = c.style
                runStart = x
            }
            for s in c.text.unicodeScalars { run.append(wchar_t(bitPattern: s.value)) }
            if c.width == 2 { flush(); runStyle = nil }
        }
        flush()
    }

    /// Sends the screen to the terminal, touching only the rows that differ from the last one.
    public func present(_ screen: Screen) {
        let full = last == nil || last?.size != screen.size
        if full { werase(window) }
        for y in 0..<screen.size.rows {
            if !full, let l = last, l.rows[y] == screen.rows[y] { continue }
            drawRow(screen.rows[y], y: y)
        }
        last = screen
        wnoutrefresh(window)
        doupdate()
    }

    /// Reads back what curses holds for a row (for the smoke test).
    public func readBack(row: Int, columns: Int) -> String {
        var buf = [wchar_t](repeating: 0, count: columns + 1)
        let n = buf.withUnsafeMutableBufferPointer { cn_mvwinnwstr(window, Int32(row), 0, $0.baseAddress, Int32(columns)) }
        guard n > 0 else { return "" }
        var s = String.UnicodeScalarView()
        for w in buf.prefix(Int(n)) { if let u = Unicode.Scalar(UInt32(bitPattern: w)) { s.append(u) } }
        return String(s)
    }

    public func nextEvent() -> InputEvent? {
        var failures = 0
        while true {
            var ch: wint_t = 0
            let r = cn_wget_wch(window, &ch)
            if r == cn_err() {
                // Interrupted reads are retried; persistent failure means input is gone.
                failures += 1
                if failures > 64 { return nil }
                continue
            }
            if r == KEY_CODE_YES {
                let code = Int32(ch)
                if code == cn_key_resize() {
                    last = nil
                    return .resize(size)
                }
                if code == cn_key_mouse() {
                    var ev = MEVENT()
                    guard getmouse(&ev) == cn_ok() else { continue }
                    if cn_is_wheel_up(ev.bstate) != 0 { return .wheel(delta: -1, x: Int(ev.x), y: Int(ev.y)) }
                    if cn_is_wheel_down(ev.bstate) != 0 { return .wheel(delta: 1, x: Int(ev.x), y: Int(ev.y)) }
                    continue
                }
                if let k = CursesTerminal.functionKey(code) { return .key(k) }
                continue
            }
            if let k = CursesTerminal.key(forCharacter: UInt32(ch)) { return .key(k) }
        }
    }

    static func functionKey(_ code: Int32) -> Key? {
        switch code {
        case KEY_UP: return .up
        case KEY_DOWN: return .down
        case KEY_LEFT: return .left
        case KEY_RIGHT: return .right
        case KEY_NPAGE: return .pageDown
        case KEY_PPAGE: return .pageUp
        case KEY_HOME: return .home
        case KEY_END: return .end
        case KEY_BTAB: return .backTab
        case KEY_ENTER: return .enter
        case KEY_BACKSPACE: return .backspace
        case KEY_DC: return .delete
        default: return nil
        }
    }

    /// Decodes a character from `wget_wch` into a key.
    public static func key(forCharacter c: UInt32) -> Key? {
        switch c {
        case 9: return .tab
        case 10, 13: return .enter
        case 27: return .escape
        case 8, 127: return .backspace
        case 1...26:
            guard let u = Unicode.Scalar(c + 0x60) else { return nil }
            return .ctrl(Character(u))
        default:
            guard let u = Unicode.Scalar(c), c >= 0x20 else { return nil }
            return .char(Character(u))
        }
    }

    public func suspend(_ body: () -> Void) {
        def_prog_mode()
        endwin()
        body()
        reset_prog_mode()
        invalidate()
        refresh()
    }
}
