import MailCore
/// Makes untrusted mail text safe to display: every control or formatting character that could
/// move the cursor, recolour the terminal or reorder text is replaced by a visible escape.
public enum Sanitizer {
    /// Tab stops are every 8 columns.
    public static let tabWidth = 8

    /// Whether a scalar must be shown escaped rather than passed to the terminal.
    public static func isHostile(_ s: Unicode.Scalar) -> Bool { TerminalSafety.isHostile(s) }

    /// The visible escape for a hostile scalar: `\x1b` for C0/C1/DEL, `\u202e` above.
    public static func escape(_ s: Unicode.Scalar) -> String { TerminalSafety.escape(s) }

    /// One display line: tabs expanded to the next multiple of 8 (counting display columns),
    /// hostile scalars escaped. Newlines inside `line` are escaped as well.
    public static func clean(_ line: String) -> String {
        var plain = true, tabsOnly = true
        for b in line.utf8 where b < 0x20 || b >= 0x7F {
            plain = false
            if b != 0x09 { tabsOnly = false; break }
        }
        if plain { return line }
        // ASCII with tabs (most kernel diff lines): expand on bytes, one column per byte.
        if tabsOnly { return expandTabs(asciiLine: line) }
        // Non-ASCII but harmless (the common case for names and arrows): no rebuild.
        var harmless = true
        for s in line.unicodeScalars where s.value == 0x09 || isHostile(s) { harmless = false; break }
        if harmless { return line }
        var out = ""
        var column = 0
        for ch in line {
            if ch == "\t" {
                let n = tabWidth - column % tabWidth
                out.append(String(repeating: " ", count: n))
                column += n
                continue
            }
            var needsEscape = false
            for s in ch.unicodeScalars where isHostile(s) { needsEscape = true; break }
            if !needsEscape {
                out.append(ch)
                column += DisplayWidth.of(ch)
                continue
            }
            // Rebuild the cluster scalar by scalar, escaping the hostile ones.
            var kept = String.UnicodeScalarView()
            for s in ch.unicodeScalars {
                if isHostile(s) {
                    if !kept.isEmpty {
                        let k = String(kept)
                        out.append(k)
                        column += DisplayWidth.of(k)
                        kept = String.UnicodeScalarView()
                    }
                    let e = escape(s)
                    out.append(e)
                    column += e.utf8.count
                } else {
                    kept.append(s)
                }
            }
            if !kept.isEmpty {
                let k = String(kept)
                out.append(k)
                column += DisplayWidth.of(k)
            }
        }
        return out
    }

    /// Tab expansion for a line of printable ASCII and tabs only.
    static func expandTabs(asciiLine line: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(line.utf8.count + 16)
        for b in line.utf8 {
            if b == 0x09 {
                let n = tabWidth - out.count % tabWidth
                out.append(contentsOf: repeatElement(0x20, count: n))
            } else {
                out.append(b)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Splits text into lines at LF bytes (a CR before the LF is dropped), without cleaning.
    /// Works on bytes because Swift treats CRLF as one `Character`.
    public static func rawLines(_ text: String) -> [String] {
        var out: [String] = []
        for raw in text.utf8.split(separator: 0x0A, omittingEmptySubsequences: false) {
            var slice = raw
            if slice.last == 0x0D { slice = slice.dropLast() }
            out.append(String(decoding: slice, as: UTF8.self))
        }
        return out
    }

    /// Splits text into lines (LF, CRLF) and cleans each; a final newline adds no empty line.
    public static func lines(_ text: String) -> [String] {
        var result = rawLines(text).map(clean)
        if result.last == "" && result.count > 1 { result.removeLast() }
        return result
    }
}
