import Foundation

/// RFC 5322 address-list parsing, tolerant of real-world mail: comments `(...)`, quoted strings
/// with backslash escapes, groups `name: a, b;`, bare addresses, and RFC 2047 names.
enum AddressParser {
    /// Parses an address list from an undecoded header value (raw 8-bit already made text).
    static func parseList(_ text: String) -> [Address] {
        var result: [Address] = []
        var phrase: [String] = []
        var comments: [String] = []
        var angle: String?
        var word = ""
        var wordIsQuoted = false
        var quotedWords = Set<Int>()
        let scalars = Array(text.unicodeScalars)
        var i = 0

        func endWord() {
            if !word.isEmpty || wordIsQuoted {
                if wordIsQuoted { quotedWords.insert(phrase.count) }
                phrase.append(word)
            }
            word = ""
            wordIsQuoted = false
        }
        func endAddress() {
            endWord()
            let comment = comments.map { Text.collapseSpaces($0) }.filter { !$0.isEmpty }.joined(separator: " ")
            if let a = angle {
                let name = joinPhrase(phrase)
                result.append(Address(name: name.isEmpty ? decodeName(comment) : name, email: stripRoute(a)))
            } else if !phrase.isEmpty {
                // Bare address: the word with an `@` (or `foo @ bar` pieces) is the address.
                if let at = phrase.firstIndex(where: { $0.utf8.contains(0x40) }), !quotedWords.contains(at) || phrase.count == 1 {
                    var email = phrase[at]
                    var rest = phrase
                    rest.remove(at: at)
                    if email == "@", at > 0, at < phrase.count - 1 {
                        email = phrase[at - 1] + "@" + phrase[at + 1]
                        rest = Array(phrase[..<(at - 1)]) + Array(phrase[(at + 2)...])
                    }
                    let name = comment.isEmpty ? joinPhrase(rest) : decodeName(comment)
                    result.append(Address(name: name, email: email))
                } else {
                    result.append(Address(name: joinPhrase(phrase), email: ""))
                }
            } else if !comment.isEmpty {
                result.append(Address(name: decodeName(comment), email: ""))
            }
            phrase = []
            comments = []
            angle = nil
            quotedWords = []
        }

        while i < scalars.count {
            let c = scalars[i]
            switch c {
            case "\"":
                // Quoted string: backslash escapes the next character.
                i += 1
                var q = ""
                while i < scalars.count, scalars[i] != "\"" {
                    if scalars[i] == "\\", i + 1 < scalars.count { i += 1 }
                    q.unicodeScalars.append(scalars[i])
                    i += 1
                }
                word += q
                wordIsQuoted = true
                i += 1
            case "(":
                endWord()
                var depth = 1
                var com = ""
                i += 1
                while i < scalars.count, depth > 0 {
                    let d = scalars[i]
                    if d == "\\", i + 1 < scalars.count {
                        i += 1
                        com.unicodeScalars.append(scalars[i])
                    } else if d == "(" {
                        depth += 1
                        com.unicodeScalars.append(d)
                    } else if d == ")" {
                        depth -= 1
                        if depth > 0 { com.unicodeScalars.append(d) }
                    } else {
                        com.unicodeScalars.append(d)
                    }
                    i += 1
                }
                comments.append(com)
            case "<":
                endWord()
                var a = ""
                i += 1
                while i < scalars.count, scalars[i] != ">" {
                    if !(scalars[i] == " " || scalars[i] == "\t") { a.unicodeScalars.append(scalars[i]) }
                    i += 1
                }
                angle = a
                i += 1
            case ",":
                endAddress()
                i += 1
            case ":":
                // A group name (`undisclosed-recipients:`) unless inside an address word.
                if angle == nil, !word.utf8.contains(0x40) {
                    word = ""
                    wordIsQuoted = false
                    phrase = []
                    comments = []
                    quotedWords = []
                } else {
                    word.unicodeScalars.append(c)
                }
                i += 1
            case ";":
                endAddress()
                i += 1
            case " ", "\t", "\r", "\n":
                endWord()
                i += 1
            default:
                word.unicodeScalars.append(c)
                i += 1
            }
        }
        endAddress()
        return result
    }

    /// The first address of a list, or nil.
    static func parseFirst(_ text: String) -> Address? { parseList(text).first }

    private static func stripRoute(_ a: String) -> String {
        // Obsolete source routes `<@a,@b:user@host>`.
        if a.hasPrefix("@"), let colon = a.firstIndex(of: ":") { return String(a[a.index(after: colon)...]) }
        return a
    }

    /// Display-name words joined by single spaces (quoted words keep their inner spaces).
    private static func joinPhrase(_ words: [String]) -> String {
        decodeName(words.joined(separator: " "))
    }

    /// RFC 2047-decodes a display name and tidies whitespace.
    static func decodeName(_ s: String) -> String {
        let u = Array(s.utf8)
        guard u.indices.contains(where: { $0 + 1 < u.count && u[$0] == ASCII.equals && u[$0 + 1] == ASCII.question }) else {
            return Text.collapseSpaces(s)
        }
        var ignored: [Defect] = []
        return Text.collapseSpaces(EncodedWords.decode(u, offset: 0, defects: &ignored))
    }
}

/// Message-ID, In-Reply-To and References parsing.
enum MessageIDs {
    /// Whether a referenced id can be real: `local@domain` (git send-email once wrote `<yes>`).
    static func isPlausible(_ id: String) -> Bool {
        guard let at = id.firstIndex(of: "@") else { return false }
        return at != id.startIndex && id.index(after: at) != id.endIndex
    }

    /// All `<...>` identifiers in order (brackets and white space inside stripped). If there are
    /// none, a single bare token that looks like an id (contains `@`) is accepted and `junk` is set.
    static func all(in text: String) -> (ids: [String], junk: Bool) {
        var ids: [String] = []
        var junk = false
        let u = Array(text.utf8)
        var i = 0
        while i < u.count {
            guard u[i] == ASCII.less else { i += 1; continue }
            var j = i + 1
            var id: [UInt8] = []
            while j < u.count, u[j] != ASCII.greater {
                if !ASCII.isSpace(u[j]) { id.append(u[j]) }
                j += 1
            }
            if j == u.count {
                // Unterminated: keep a single-token tail.
                junk = true
                if !id.isEmpty, !u[(i + 1)...].contains(ASCII.space) { ids.append(String(decoding: id, as: UTF8.self)) }
                break
            }
            if id.isEmpty { junk = true } else { ids.append(String(decoding: id, as: UTF8.self)) }
            i = j + 1
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
