/// Makes untrusted mail text safe to display: every control or formatting character that could
/// move the cursor, recolour the terminal or reorder text is replaced by a visible escape.
public enum Sanitizer {
    /// Tab stops are every 8 columns.
    public static let tabWidth = 8

    /// Whether a scalar must be shown escaped rather than passed to the terminal.
    public static func isHostile(_ s: Unicode.Scalar) -> Bool {
        let v = s.value
        if v < 0x20 || v == 0x7F || (0x80...0x9F).contains(v) { return true }
        if (0x202A...0x202E).contains(v) || (0x2066...0x2069).contains(v) { return true }
        if v == 0x200E || v == 0x200F || v == 0x061C { return true }
        if v == 0xFFF9 || v == 0xFFFA || v == 0xFFFB || v == 0xFFFC { return true }
        if (0xE0000...0xE007F).contains(v) { return true }
        if v == 0x2028 || v == 0x2029 { return true }
        // Format characters (Cf) live only in these blocks; skip the property lookup elsewhere.
        let mayBeFormat = (0x600...0x6FF).contains(v) || v == 0x70F || (0x890...0x8FF).contains(v) || v == 0x180E
            || (0x2000...0x206F).contains(v) || (0xFE00...0xFEFF).contains(v) || (0xFFF0...0xFFFF).contains(v)
            || (0x110BD...0x110CD).contains(v) || (0x13430...0x1345F).contains(v) || (0x1BCA0...0x1BCA3).contains(v)
            || (0x1D173...0x1D17A).contains(v) || (0xE0000...0xE0FFF).contains(v)
        if mayBeFormat && s.properties.generalCategory == .format {
            // Keep the joiners and the soft hyphen that ordinary text relies on.
            return !(v == 0x200D || v == 0x200C || v == 0x00AD || v == 0xFEFF)
        }
        return false
    }

    /// The visible escape for a hostile scalar: `\x1b` for C0/C1/DEL, `\u202e` above.
    public static func escape(_ s: Unicode.Scalar) -> String {
        let hex = String(s.value, radix: 16)
        if s.value <= 0xFF { return "\\x" + (hex.count < 2 ? "0" + hex : hex) }
        return "\\u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }

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
