import Foundation

/// Wraps reviewer prose for mail: paragraphs re-flowed to a width, code kept as typed.
public enum ProseWrapper {
    /// Wraps `text` to `width` columns.
    ///
    /// Blank lines separate paragraphs; lines starting with a space, a tab or `>` are code or quotes
    /// and are kept byte for byte; a line starting with `- `, `* ` or `1. ` begins a list item whose
    /// continuation lines hang under its text. A word longer than the width (a URL) gets a line of
    /// its own and is never broken.
    /// - Returns: the wrapped lines, without line terminators.
    public static func wrap(_ text: String, width: Int = 72, indent: String = "") -> [String] {
        var out: [String] = []
        var words: [Substring] = []
        var hanging = ""
        var firstPrefix = ""

        func flush() {
            guard !words.isEmpty else { return }
            var line = indent + firstPrefix
            var lineHasWord = false
            for w in words {
                let candidateWidth = columns(line) + (lineHasWord ? 1 : 0) + columns(w)
                if lineHasWord && candidateWidth > width {
                    out.append(line)
                    line = indent + hanging + w
                } else {
                    line += (lineHasWord ? " " : "") + w
                }
                lineHasWord = true
            }
            out.append(line)
            words = []
            hanging = ""
            firstPrefix = ""
        }

        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = raw.hasSuffix("\r") ? raw.dropLast() : raw
            if line.allSatisfy({ $0 == " " || $0 == "\t" }) {
                flush()
                if out.last != "" { out.append("") }
                continue
            }
            if line.first == " " || line.first == "\t" || line.first == ">" {
                flush()
                out.append(indent + line)
                continue
            }
            if let marker = listMarker(line) {
                flush()
                firstPrefix = String(line.prefix(marker))
                hanging = String(repeating: " ", count: marker)
                words = line.dropFirst(marker).split(separator: " ", omittingEmptySubsequences: true)
                continue
            }
            words += line.split(separator: " ", omittingEmptySubsequences: true)
        }
        flush()
        while out.last == "" { out.removeLast() }
        while out.first == "" { out.removeFirst() }
        return out
    }

    /// The length of a list marker (`- `, `* `, `12. `) at the start of a line, if any.
    private static func listMarker(_ line: Substring) -> Int? {
        if line.hasPrefix("- ") || line.hasPrefix("* ") { return 2 }
        var digits = 0
        for c in line {
            if c.isASCII && c.isNumber { digits += 1 } else { break }
        }
        if digits > 0 && digits < 4 && line.dropFirst(digits).hasPrefix(". ") { return digits + 2 }
        return nil
    }

    /// Display columns of a string: East Asian wide scalars count 2, combining marks 0.
    public static func columns<S: StringProtocol>(_ s: S) -> Int {
        var n = 0
        for scalar in s.unicodeScalars {
            let v = scalar.value
            switch v {
            case 0x0300...0x036F, 0x200B...0x200F, 0xFE00...0xFE0F, 0x20D0...0x20FF: continue
            case 0x1100...0x115F, 0x2E80...0xA4CF, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F,
                 0xFF00...0xFF60, 0xFFE0...0xFFE6, 0x1F300...0x1F64F, 0x1F900...0x1F9FF, 0x20000...0x3FFFD:
                n += 2
            default:
                n += 1
            }
        }
        return n
    }
}
