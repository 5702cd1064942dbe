/// TUICore: application state, actions, `reduce`, and a pure `render(state, size) -> Screen`.
///
/// Display width is computed here, never by the C library, so layout does not depend on the
/// locale the terminal runs under.

/// Column widths of Unicode text as a terminal shows it.
public enum DisplayWidth {
    /// The column width of one scalar: 0 for combining marks, joiners and variation selectors,
    /// 2 for East Asian Wide/Fullwidth and emoji presentation, 1 otherwise.
    public static func of(_ scalar: Unicode.Scalar) -> Int {
        let v = scalar.value
        if v < 0x7F { return v < 0x20 ? 0 : 1 }
        if v < 0xA0 { return 0 }
        if v == 0x200D || v == 0x200B || v == 0x200C || v == 0x2060 || v == 0xFEFF { return 0 }
        if (0xFE00...0xFE0F).contains(v) || (0xE0100...0xE01EF).contains(v) { return 0 }
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .enclosingMark, .format: return 0
        default: break
        }
        if isWide(v) || scalar.properties.isEmojiPresentation { return 2 }
        return 1
    }

    /// East Asian Wide (W) and Fullwidth (F) ranges (Unicode 15 EastAsianWidth.txt, coalesced).
    static func isWide(_ v: UInt32) -> Bool {
        if v < 0x1100 { return false }
        switch v {
        case 0x1100...0x115F, 0x231A...0x231B, 0x2329...0x232A, 0x23E9...0x23EC, 0x23F0, 0x23F3,
             0x25FD...0x25FE, 0x2614...0x2615, 0x2648...0x2653, 0x267F, 0x2693, 0x26A1,
             0x26AA...0x26AB, 0x26BD...0x26BE, 0x26C4...0x26C5, 0x26CE, 0x26D4, 0x26EA,
             0x26F2...0x26F3, 0x26F5, 0x26FA, 0x26FD, 0x2705, 0x270A...0x270B, 0x2728, 0x274C,
             0x274E, 0x2753...0x2755, 0x2757, 0x2795...0x2797, 0x27B0, 0x27BF, 0x2B1B...0x2B1C,
             0x2B50, 0x2B55, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF,
             0xA000...0xA4CF, 0xA960...0xA97F, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE10...0xFE19,
             0xFE30...0xFE6F, 0xFF00...0xFF60, 0xFFE0...0xFFE6, 0x16FE0...0x16FE4,
             0x17000...0x18CFF, 0x1B000...0x1B2FF, 0x1F004, 0x1F0CF, 0x1F18E, 0x1F191...0x1F19A,
             0x1F200...0x1F251, 0x1F300...0x1F64F, 0x1F680...0x1F6FF, 0x1F7E0...0x1F7EB,
             0x1F90C...0x1F9FF, 0x1FA70...0x1FAFF, 0x20000...0x2FFFD, 0x30000...0x3FFFD:
            return true
        default:
            return false
        }
    }

    /// The column width of one grapheme cluster: the width of its first visible scalar, or 2
    /// when an emoji variation selector (U+FE0F) asks for emoji presentation.
    public static func of(_ grapheme: Character) -> Int {
        let scalars = grapheme.unicodeScalars
        guard let first = scalars.first else { return 0 }
        if scalars.count == 1 { return of(first) }
        var base = 0
        for s in scalars {
            let w = of(s)
            if w > 0 { base = w; break }
        }
        if base == 1, scalars.contains(where: { $0.value == 0xFE0F }), first.properties.isEmoji { return 2 }
        return base
    }

    /// The column width of a string.
    public static func of(_ text: String) -> Int {
        var ascii = 0
        for b in text.utf8 {
            if b >= 0x80 { return text.reduce(0) { $0 + of($1) } }
            if b >= 0x20 && b != 0x7F { ascii += 1 }
        }
        return ascii
    }

    /// Cuts `text` to at most `width` columns, ending with `…` when something was cut.
    /// A wide character that would straddle the limit is dropped rather than split.
    public static func truncate(_ text: String, to width: Int) -> String {
        guard width > 0 else { return "" }
        if of(text) <= width { return text }
        var out = ""
        var used = 0
        for ch in text {
            let w = of(ch)
            if used + w > width - 1 { break }
            out.append(ch)
            used += w
        }
        out.append("…")
        return out
    }

    /// Pads `text` with spaces (after truncating it) so it is exactly `width` columns.
    public static func pad(_ text: String, to width: Int) -> String {
        let t = truncate(text, to: width)
        let w = of(t)
        return w < width ? t + String(repeating: " ", count: width - w) : t
    }
}
