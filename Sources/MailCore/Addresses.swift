import Foundation

/// RFC 5322 address-list parsing, tolerant of real-world mail: comments `(...)`, quoted strings
/// with backslash escapes, groups `name: a, b;`, bare addresses, and RFC 2047 names.
///
/// Works on the UTF-8 bytes of the text: every delimiter is ASCII, so words are always whole
/// characters.
enum AddressParser {
    /// Parses an address list from an undecoded header value (raw 8-bit already made text).
    static func parseList(_ text: String) -> [Address] {
        var t = text
        return t.withUTF8 { parse($0, firstOnly: false) }
    }

    /// The first address of a list, or nil.
    static func parseFirst(_ text: String) -> Address? {
        var t = text
        return t.withUTF8 { parse($0, firstOnly: true) }.first
    }

    /// `parseList` on the UTF-8 bytes of a text.
    static func parseList(bytes: Bytes, interner: Interner? = nil) -> [Address] {
        parse(bytes, firstOnly: false, interner: interner)
    }

    /// `parseFirst` on the UTF-8 bytes of a text.
    static func parseFirst(bytes: Bytes, interner: Interner? = nil) -> Address? {
        parse(bytes, firstOnly: true, interner: interner).first
    }

    /// Work buffers kept between calls (by the `Interner` of one input), so their storage is
    /// allocated once rather than for every address header.
    final class Buffers {
        fileprivate var phrase = Phrase()
        fileprivate var word: [UInt8] = []
        fileprivate var angle: [UInt8] = []
        fileprivate var scratch: [UInt8] = []
        fileprivate var collapsed: [UInt8] = []
    }

    /// The words of a display name so far: bytes with end offsets, and which words were quoted.
    fileprivate struct Phrase {
        var bytes: [UInt8] = []
        var ends: [Int] = []
        var quoted: [Bool] = []
        var count: Int { ends.count }
        var isEmpty: Bool { ends.isEmpty }
        func range(_ k: Int) -> Range<Int> { (k == 0 ? 0 : ends[k - 1])..<ends[k] }
        func word(_ k: Int) -> ArraySlice<UInt8> { bytes[range(k)] }
        mutating func removeAll() {
            bytes.removeAll(keepingCapacity: true)
            ends.removeAll(keepingCapacity: true)
            quoted.removeAll(keepingCapacity: true)
        }
        /// The words outside `excluded` joined by single spaces, into `out`.
        func join(excluding excluded: Range<Int>, into out: inout [UInt8]) {
            out.removeAll(keepingCapacity: true)
            var first = true
            for k in 0..<count where !excluded.contains(k) {
                if !first { out.append(ASCII.space) }
                first = false
                out.append(contentsOf: bytes[range(k)])
            }
        }
    }

    /// With an `interner`, names and addresses that recur share their storage.
    private static func parse(_ b: Bytes, firstOnly: Bool, interner: Interner? = nil) -> [Address] {
        var result: [Address] = []
        var phrase = Phrase()
        var comments: [[UInt8]] = []
        var angle: [UInt8] = []
        var hasAngle = false
        var scratch: [UInt8] = []
        var collapsed: [UInt8] = []
        var word: [UInt8] = []
        // Borrow the kept buffers (moved, not copied) and hand them back at the end.
        let buffers = interner?.addressBuffers
        func exchange() {
            guard let buffers else { return }
            swap(&phrase, &buffers.phrase)
            swap(&angle, &buffers.angle)
            swap(&scratch, &buffers.scratch)
            swap(&collapsed, &buffers.collapsed)
            swap(&word, &buffers.word)
        }
        exchange()
        defer { exchange() }
        if buffers != nil {
            phrase.removeAll()
            angle.removeAll(keepingCapacity: true)
            word.removeAll(keepingCapacity: true)
        }
        func string(_ bytes: Bytes) -> String {
            interner?.string(bytes) ?? String(decoding: bytes, as: UTF8.self)
        }
        var wordIsQuoted = false
        let n = b.count
        var i = 0

        func endWord() {
            if !word.isEmpty || wordIsQuoted {
                phrase.bytes += word
                phrase.ends.append(phrase.bytes.count)
                phrase.quoted.append(wordIsQuoted)
            }
            word.removeAll(keepingCapacity: true)
            wordIsQuoted = false
        }
        func endAddress() {
            endWord()
            var comment = ""
            if !comments.isEmpty {
                comment = comments.map { collapseSpaces($0[...]) }.filter { !$0.isEmpty }.joined(separator: " ")
            }
            /// The display name made of the words outside `excluded`.
            func name(excluding excluded: Range<Int> = 0..<0) -> String {
                phrase.join(excluding: excluded, into: &scratch)
                return scratch.withUnsafeBufferPointer { joined in
                    guard interner != nil, !hasEncodedWord(joined) else { return decodeName(joined) }
                    collapseSpaces(joined, into: &collapsed)
                    return collapsed.withUnsafeBufferPointer(string)
                }
            }
            if hasAngle {
                let n = name()
                result.append(Address(name: n.isEmpty ? decodeName(comment) : n, email: angle.withUnsafeBufferPointer { stripRoute($0, string) }))
            } else if !phrase.isEmpty {
                // Bare address: the word with an `@` (or `foo @ bar` pieces) is the address.
                let at = (0..<phrase.count).first { phrase.word($0).contains(0x40) }
                if let at, !phrase.quoted[at] || phrase.count == 1 {
                    var email = phrase.bytes.withUnsafeBufferPointer { string(UnsafeBufferPointer(rebasing: $0[phrase.range(at)])) }
                    var excluded = at..<(at + 1)
                    if email == "@", at > 0, at < phrase.count - 1 {
                        email = String(decoding: phrase.word(at - 1), as: UTF8.self) + "@"
                            + String(decoding: phrase.word(at + 1), as: UTF8.self)
                        excluded = (at - 1)..<(at + 2)
                    }
                    result.append(Address(name: comment.isEmpty ? name(excluding: excluded) : decodeName(comment), email: email))
                } else {
                    result.append(Address(name: name(), email: ""))
                }
            } else if !comment.isEmpty {
                result.append(Address(name: decodeName(comment), email: ""))
            }
            phrase.removeAll()
            comments = []
            angle.removeAll(keepingCapacity: true)
            hasAngle = false
        }

        while i < n {
            if firstOnly && !result.isEmpty { break }
            let c = b[i]
            switch c {
            case ASCII.quote:
                // Quoted string: backslash escapes the next character.
                i += 1
                while i < n, b[i] != ASCII.quote {
                    if b[i] == ASCII.backslash {
                        if i + 1 < n { i += 1 }
                        word.append(b[i])
                        i += 1
                        continue
                    }
                    var j = i + 1
                    while j < n, b[j] != ASCII.quote, b[j] != ASCII.backslash { j += 1 }
                    word.append(contentsOf: UnsafeBufferPointer(rebasing: b[i..<j]))
                    i = j
                }
                wordIsQuoted = true
                i += 1
            case ASCII.openParen:
                endWord()
                var depth = 1
                var com: [UInt8] = []
                i += 1
                while i < n, depth > 0 {
                    let d = b[i]
                    if d == ASCII.backslash, i + 1 < n {
                        i += 1
                        com.append(b[i])
                    } else if d == ASCII.openParen {
                        depth += 1
                        com.append(d)
                    } else if d == ASCII.closeParen {
                        depth -= 1
                        if depth > 0 { com.append(d) }
                    } else {
                        com.append(d)
                    }
                    i += 1
                }
                comments.append(com)
            case ASCII.less:
                endWord()
                angle.removeAll(keepingCapacity: true)
                hasAngle = true
                i += 1
                let close = b.find(ASCII.greater, from: i, to: n)
                while i < close {
                    var j = i
                    while j < close, b[j] != ASCII.space, b[j] != ASCII.tab { j += 1 }
                    angle.append(contentsOf: UnsafeBufferPointer(rebasing: b[i..<j]))
                    i = j < close ? j + 1 : close
                }
                i += 1
            case 0x2C:  // ,
                endAddress()
                i += 1
            case ASCII.colon:
                // A group name (`undisclosed-recipients:`) unless inside an address word.
                if !hasAngle, !word.contains(0x40) {
                    word.removeAll(keepingCapacity: true)
                    wordIsQuoted = false
                    phrase.removeAll()
                    comments = []
                } else {
                    word.append(c)
                }
                i += 1
            case 0x3B:  // ;
                endAddress()
                i += 1
            case ASCII.space, ASCII.tab, ASCII.cr, ASCII.lf:
                endWord()
                i += 1
            default:
                // A run of ordinary bytes joins the word at once.
                var j = i + 1
                while j < n, !Self.isSpecial(b[j]) { j += 1 }
                word.append(contentsOf: UnsafeBufferPointer(rebasing: b[i..<j]))
                i = j
            }
        }
        if !(firstOnly && !result.isEmpty) { endAddress() }
        // Kept with the message: no room left over from growing.
        if result.count > 2 && result.capacity > result.count { return Array(result[...]) }
        return result
    }

    /// Bytes that end a run of ordinary word bytes.
    @inline(__always)
    private static func isSpecial(_ c: UInt8) -> Bool {
        switch c {
        case ASCII.quote, ASCII.openParen, ASCII.less, 0x2C, ASCII.colon, 0x3B, ASCII.space, ASCII.tab, ASCII.cr, ASCII.lf:
            return true
        default:
            return false
        }
    }

    private static func stripRoute(_ a: Bytes, _ string: (Bytes) -> String) -> String {
        // Obsolete source routes `<@a,@b:user@host>`.
        if a.first == 0x40, let colon = a.firstIndex(of: ASCII.colon) {
            return string(UnsafeBufferPointer(rebasing: a[(colon + 1)...]))
        }
        return string(a)
    }

    /// `collapseSpaces` into a byte buffer.
    private static func collapseSpaces(_ u: Bytes, into out: inout [UInt8]) {
        out.removeAll(keepingCapacity: true)
        var pendingSpace = false
        for c in u {
            if c == ASCII.space || c == ASCII.tab || c == ASCII.cr || c == ASCII.lf {
                pendingSpace = !out.isEmpty
            } else {
                if pendingSpace { out.append(ASCII.space); pendingSpace = false }
                out.append(c)
            }
        }
    }

    /// Whether bytes contain `=?` (a possible RFC 2047 word).
    private static func hasEncodedWord<C: Collection>(_ u: C) -> Bool where C.Element == UInt8 {
        var previous: UInt8 = 0
        for c in u {
            if c == ASCII.question && previous == ASCII.equals { return true }
            previous = c
        }
        return false
    }

    /// RFC 2047-decodes a display name and tidies whitespace.
    static func decodeName(_ s: String) -> String {
        var t = s
        return t.withUTF8 { decodeName($0[...]) }
    }

    private static func decodeName<C: Collection>(_ u: C) -> String where C.Element == UInt8 {
        guard hasEncodedWord(u) else { return collapseSpaces(u) }
        var ignored: [Defect] = []
        return Text.collapseSpaces(EncodedWords.decode(Array(u), offset: 0, defects: &ignored))
    }

    /// `Text.collapseSpaces` on UTF-8 bytes.
    private static func collapseSpaces<C: Collection>(_ u: C) -> String where C.Element == UInt8 {
        guard !u.isEmpty else { return "" }
        return String(unsafeUninitializedCapacity: u.count) { Text.collapseSpaces(u, into: $0) }
    }
}

/// Message-ID, In-Reply-To and References parsing.
enum MessageIDs {
    /// Whether a referenced id can be real: `local@domain` (git send-email once wrote `<yes>`).
    static func isPlausible(_ id: String) -> Bool {
        var copy = id
        let ascii = copy.withUTF8 { u -> Bool? in
            // ASCII without CR: one byte per character.
            for c in u where c >= 0x80 || c == ASCII.cr { return nil }
            let at = u.find(0x40, from: 0, to: u.count)
            return at < u.count && at != 0 && at + 1 != u.count
        }
        if let ascii { return ascii }
        guard let at = id.firstIndex(of: "@") else { return false }
        return at != id.startIndex && id.index(after: at) != id.endIndex
    }

    /// All `<...>` identifiers in order (brackets and white space inside stripped). If there are
    /// none, a single bare token that looks like an id (contains `@`) is accepted and `junk` is set.
    static func all(in text: String) -> (ids: [String], junk: Bool) {
        var t = text
        return t.withUTF8 { all(bytes: $0) }
    }

    /// `all(in:)` on the UTF-8 bytes of a text.
    static func all(bytes u: Bytes, interner: Interner? = nil) -> (ids: [String], junk: Bool) {
        var ids: [String] = []
        var junk = false
        let n = u.count
        var i = u.find(ASCII.less, from: 0, to: n)
        while i < n {
            let close = u.find(ASCII.greater, from: i + 1, to: n)
            var spaces = 0
            for k in (i + 1)..<close where ASCII.isSpace(u[k]) { spaces += 1 }
            let isEmpty = spaces == close - i - 1
            func id() -> String {
                let slice = UnsafeBufferPointer(rebasing: u[(i + 1)..<close])
                if spaces == 0 { return interner?.string(slice) ?? String(decoding: slice, as: UTF8.self) }
                return String(decoding: slice.filter { !ASCII.isSpace($0) }, as: UTF8.self)
            }
            if close == n {
                // Unterminated: keep a single-token tail.
                junk = true
                if !isEmpty, u.find(ASCII.space, from: i + 1, to: n) == n { ids.append(id()) }
                break
            }
            if isEmpty { junk = true } else { ids.append(id()) }
            i = u.find(ASCII.less, from: close + 1, to: n)
        }
        if ids.isEmpty {
            let words = u.split(whereSeparator: { $0 == ASCII.space || $0 == ASCII.tab || $0 == 0x2C })
            if let w = words.first(where: { $0.contains(0x40) }) {
                ids.append(String(decoding: w, as: UTF8.self))
                junk = true
            } else if !words.isEmpty {
                junk = true
            }
        }
        return (ids, junk)
    }
}
