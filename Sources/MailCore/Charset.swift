import Foundation

/// Maps MIME charset names to decoders and decodes bytes to `String`.
enum Charset {
    /// How a charset name resolved.
    enum Resolved: Equatable {
        case utf8
        case latin1
        case foundation(String.Encoding)
        /// Decoded by re-coding JIS X 0208 runs as ISO-2022-JP (Foundation on Linux lacks EUC-JP).
        case eucJP
        case unknown
    }

    /// Resolves a charset label (case-insensitive, tolerant of `x-` prefixes and quotes).
    static func resolve(_ rawName: String) -> Resolved {
        // The usual labels, without building lower-cased copies.
        if MimeWalker.hasPrefixIgnoringCase(rawName, "utf-8") && rawName.utf8.count == 5 { return .utf8 }
        if MimeWalker.hasPrefixIgnoringCase(rawName, "us-ascii") && rawName.utf8.count == 8 { return .utf8 }
        if MimeWalker.hasPrefixIgnoringCase(rawName, "iso-8859-1") && rawName.utf8.count == 10 { return .latin1 }
        var name = Text.trim(rawName).lowercased()
        if name.hasPrefix("\"") || name.hasPrefix("'") { name = String(name.dropFirst()) }
        if name.hasSuffix("\"") || name.hasSuffix("'") { name = String(name.dropLast()) }
        if let star = name.firstIndex(of: "*") { name = String(name[..<star]) }
        if name.hasPrefix("x-") && !name.hasPrefix("x-mac") { name = String(name.dropFirst(2)) }
        switch name {
        case "utf-8", "utf8", "unicode-1-1-utf-8", "us-ascii", "ascii", "ansi_x3.4-1968", "iso646-us", "us", "",
             "unknown-8bit", "default":
            return .utf8
        case "iso-8859-1", "iso8859-1", "iso_8859-1", "latin1", "latin-1", "l1", "iso-ir-100", "cp819", "iso_8859-1:1987":
            return .latin1
        default: break
        }
        if let cf = cfEncoding(name) {
            return .foundation(String.Encoding(rawValue: 0x8000_0000 | cf))
        }
        switch name {
        case "iso-2022-jp", "csiso2022jp", "iso2022jp": return .foundation(.iso2022JP)
        case "shift_jis", "shift-jis", "sjis", "ms_kanji", "csshiftjis", "cp932", "windows-31j": return .foundation(.shiftJIS)
        case "euc-jp", "eucjp", "cseucpkdfmtjapanese", "ujis": return .eucJP
        case "utf-16": return .foundation(.utf16)
        case "utf-16le": return .foundation(.utf16LittleEndian)
        case "utf-16be": return .foundation(.utf16BigEndian)
        default: return .unknown
        }
    }

    /// CoreFoundation encoding numbers (stable public constants) for the charsets mail uses.
    private static func cfEncoding(_ name: String) -> UInt? {
        var n = name
        for p in ["iso_8859-", "iso8859-", "iso-8859-", "iso8859_"] where n.hasPrefix(p) {
            n = "8859-" + n.dropFirst(p.count)
        }
        if n.hasPrefix("8859-") {
            let part = n.dropFirst(5).prefix { $0.isNumber }
            guard let k = Int(part) else { return nil }
            switch k {
            case 1...11: return UInt(0x0200 + k)
            case 13...16: return UInt(0x0200 + k)
            default: return nil
            }
        }
        let windows = ["windows-", "cp", "win-", "ms-", "windows"]
        for p in windows where n.hasPrefix(p) {
            if let k = Int(n.dropFirst(p.count)), (1250...1258).contains(k) {
                return windowsCodePage(k)
            }
        }
        switch n {
        case "latin2", "l2": return 0x0202
        case "latin3", "l3": return 0x0203
        case "latin4", "l4": return 0x0204
        case "cyrillic": return 0x0205
        case "greek": return 0x0207
        case "hebrew": return 0x0208
        case "latin5", "l5": return 0x0209
        case "latin6", "l6": return 0x020A
        case "latin7", "l7": return 0x020D
        case "latin8", "l8": return 0x020E
        case "latin9", "l9", "latin-9": return 0x020F
        case "latin10", "l10": return 0x0210
        case "koi8-r", "koi8r", "cskoi8r", "koi8": return 0x0A02
        case "koi8-u", "koi8u": return 0x0A08
        case "gb2312", "gb_2312-80", "csgb2312", "euc-cn", "euccn", "chinese": return 0x0930
        case "gbk", "cp936", "ms936", "windows-936": return 0x0632  // GB18030 is a superset of GBK
        case "gb18030": return 0x0632
        case "big5", "csbig5", "big-5", "cn-big5": return 0x0A03
        case "big5-hkscs": return 0x0A06
        case "euc-kr", "euckr", "cseuckr", "ks_c_5601-1987", "korean", "cp949": return 0x0940
        case "tis-620", "tis620": return 0x020B
        case "macintosh", "mac", "csmacintosh": return 0x0000
        default: return nil
        }
    }

    /// What `decode(bytes, charset: charset)` reports as wrong, without building the text
    /// when the charset is one of the usual ones.
    static func problem(_ bytes: [UInt8], charset: String) -> Defect.Kind? {
        switch resolve(charset) {
        case .utf8: return bytes.withUnsafeBufferPointer(Text.isValidUTF8) ? nil : .invalidCharsetData
        case .latin1: return nil
        default: return decode(bytes, charset: charset).1
        }
    }

    /// Decodes `bytes` in `charset`. Returns the text and what went wrong, if anything
    /// (`unknownCharset` when the label is unknown, `invalidCharsetData` when bytes are invalid).
    static func decode<C: Collection>(_ bytes: C, charset: String?) -> (String, Defect.Kind?) where C.Element == UInt8 {
        let resolved = charset.map(resolve) ?? .utf8
        switch resolved {
        case .utf8:
            if let s = Text.validString(bytes) { return (s, nil) }
            // Undeclared or mislabelled 8-bit text: Latin-1 is the usual truth.
            return (latin1(bytes), charset == nil ? nil : .invalidCharsetData)
        case .latin1:
            return (latin1(bytes), nil)
        case .foundation(let enc):
            if let s = String(bytes: Array(bytes), encoding: enc) { return (s, nil) }
            let (s, _) = Text.utf8OrLatin1(bytes)
            return (s, .invalidCharsetData)
        case .eucJP:
            return eucJP(Array(bytes))
        case .unknown:
            let (s, _) = Text.utf8OrLatin1(bytes)
            return (s, .unknownCharset)
        }
    }

    /// EUC-JP: ASCII, JIS X 0208 as two bytes with the high bit set, `0x8E` + half-width kana.
    /// JIS X 0212 (`0x8F` + two bytes) is not available and becomes U+FFFD.
    static func eucJP(_ b: [UInt8]) -> (String, Defect.Kind?) {
        var out = ""
        var jis: [UInt8] = []
        var bad = false
        func flushJIS() {
            guard !jis.isEmpty else { return }
            let wrapped: [UInt8] = [0x1B, 0x24, 0x42] + jis + [0x1B, 0x28, 0x42]
            if let s = String(bytes: wrapped, encoding: .iso2022JP) {
                out += s
            } else {
                out += String(repeating: "\u{FFFD}", count: jis.count / 2)
                bad = true
            }
            jis.removeAll(keepingCapacity: true)
        }
        var i = 0
        while i < b.count {
            let c = b[i]
            if c < 0x80 {
                flushJIS()
                out.unicodeScalars.append(Unicode.Scalar(c))
                i += 1
            } else if c == 0x8E, i + 1 < b.count, (0xA1...0xDF).contains(b[i + 1]) {
                flushJIS()
                out.unicodeScalars.append(Unicode.Scalar(0xFF61 + UInt32(b[i + 1] - 0xA1)) ?? "\u{FFFD}")
                i += 2
            } else if (0xA1...0xFE).contains(c), i + 1 < b.count, (0xA1...0xFE).contains(b[i + 1]) {
                jis.append(c & 0x7F)
                jis.append(b[i + 1] & 0x7F)
                i += 2
            } else {
                flushJIS()
                out += "\u{FFFD}"
                bad = true
                i += c == 0x8F ? 3 : 1
            }
        }
        flushJIS()
        return (out, bad ? .invalidCharsetData : nil)
    }

    /// Latin-1: each byte is the scalar of the same value.
    static func latin1<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        if let s = bytes.withContiguousStorageIfAvailable({ latin1Bytes($0) }) { return s }
        return Array(bytes).withUnsafeBufferPointer { latin1Bytes($0) }
    }

    /// `latin1` on bytes in place, written straight into the string's storage.
    private static func latin1Bytes(_ b: Bytes) -> String {
        // U+0000...U+00FF in UTF-8: one byte below 0x80, else 0xC2/0xC3 and a continuation byte.
        var high = 0
        for c in b where c >= 0x80 { high += 1 }
        return String(unsafeUninitializedCapacity: b.count + high) { out in
            var n = 0
            for c in b {
                if c < 0x80 {
                    out[n] = c
                    n += 1
                } else {
                    out[n] = 0xC0 | c >> 6
                    out[n + 1] = 0x80 | c & 0x3F
                    n += 2
                }
            }
            return n
        }
    }
}

/// CoreFoundation numbers Windows code pages 1250..1258 as 0x501, 0x502, 0x500 (1252), 0x503...
private func windowsCodePage(_ codePage: Int) -> UInt {
    switch codePage {
    case 1250: return 0x0501
    case 1251: return 0x0502
    case 1252: return 0x0500
    default: return UInt(0x0503 + (codePage - 1253))
    }
}
