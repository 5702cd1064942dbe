import Foundation
import MailCore

/// A patch mail body taken apart the way `git mailinfo` does: commit message, trailers,
/// the appendix after `---` (diffstat, notes) and the diff.
public struct PatchMail: Sendable, Equatable {
    /// The commit message without the trailer block, trailing blank lines removed.
    public var message: String {
        get { storedMessage.string }
        set { storedMessage = SharedText(newValue) }
    }
    /// The commit message as its range of the body (when no line of it ends in a CR).
    var storedMessage: SharedText
    public var trailers: [Trailer]
    public var diffstat: [DiffstatEntry]
    public var diffstatSummary: String?
    public var files: [FileDiff]
    /// Subject given by an in-body `Subject:` header, if any.
    public var inBodySubject: String?
    /// Author given by an in-body `From:` header, if any.
    public var inBodyFrom: Address?
    /// Pull request URL when the body is a `git request-pull` mail.
    public var pullRequest: String?
    /// Line index (in the body) where the diff starts, nil without a diff.
    public var diffLine: Int?
    /// Line index (in the body) where the commit message starts (after scissors and in-body headers).
    public var messageStart: Int
    /// Line index (in the body) of the patch break (`---`, `diff -`, `Index:`), or the line count.
    public var breakLine: Int
    public var defects: [ReviewDefect]

    /// Splits a body.
    /// - Parameters:
    ///   - body: the decoded mail body.
    ///   - messageId: used for trailer sources and defect locations.
    public init(body: String, messageId: String = "") {
        self = ByteLines.of(body) { PatchMail($0, messageId: messageId) }
    }

    /// Splits a body already cut into lines; every line number it reports is an index into `lines`.
    public init(lines: [Substring], messageId: String = "") {
        self = ByteLines.joining(lines) { PatchMail($0, messageId: messageId) }
    }

    /// Splits the body `lines` are the lines of. Works on line indexes (no copies of the lines);
    /// per-line tests read bytes, and only the few lines kept as text become strings.
    init(_ lines: ByteLines, messageId: String) {
        let n = lines.count
        var start = 0
        // Scissors: everything above `-- >8 --` is dropped (only when it comes before the patch).
        for k in 0..<n {
            if PatchMail.isScissors(lines, k) {
                start = k + 1
                break
            }
            if PatchMail.isPatchBreak(lines, k) { break }
        }
        // In-body From:/Subject:/Date: headers at the top (folded lines continue them).
        var inBodySubject: String?
        var inBodyFrom: Address?
        while start < n, lines.isBlank(start) { start += 1 }
        var j = start
        var fields: [(String, String)] = []
        while j < n {
            let l = lines.substringDroppingCR(j)
            if let name = PatchMail.inBodyField(l) {
                fields.append((name, String(l.dropFirst(name.utf8.count + 2))))
            } else if !fields.isEmpty, l.first == " " || l.first == "\t" {
                fields[fields.count - 1].1 += " " + l.trimmedWhitespace
            } else {
                break
            }
            j += 1
        }
        if !fields.isEmpty, j == n || lines.dropCR(j).isEmpty || PatchMail.isPatchBreak(lines, j) {
            for (name, value) in fields {
                let v = PatchSubject.normaliseSpace(value)
                if name == "Subject" { inBodySubject = v }
                // git leaves the author empty when the in-body From: is not an address.
                if name == "From" { inBodyFrom = TrailerParser.personAddress(v) ?? Address(name: "", email: "") }
            }
            start = j < n && lines.dropCR(j).isEmpty ? j + 1 : j
        }
        self.inBodySubject = inBodySubject
        self.inBodyFrom = inBodyFrom

        var breakAt = n
        for k in start..<max(start, n) where PatchMail.isPatchBreak(lines, k) {
            breakAt = k
            break
        }
        messageStart = start
        breakLine = breakAt
        // The commit message: up to the break, or to a signature (`-- ` then version) without a diff.
        var messageEnd = breakAt
        for k in start..<max(start, breakAt) where lines.dropCR(k).equals("-- ") {
            messageEnd = k
            break
        }
        while messageEnd > start, lines.isBlank(messageEnd - 1) { messageEnd -= 1 }
        // Trailer block: the last paragraph when it is made of trailer lines.
        var trailers: [Trailer] = []
        if messageEnd > start {
            var paraStart = messageEnd
            while paraStart > start, !lines.isBlank(paraStart - 1) { paraStart -= 1 }
            let para = lines.substrings(paraStart..<messageEnd)
            var parsed: [Trailer] = []
            var continuation = 0
            for l in para {
                if let t = TrailerParser.parse(l, source: messageId) { parsed.append(t) }
                if l.first == " " || l.first == "\t" || l.hasBytePrefix("[") { continuation += 1 }
            }
            if !parsed.isEmpty, parsed.count + continuation >= para.count {
                trailers = parsed
                messageEnd = paraStart > start ? paraStart - 1 : start
                while messageEnd > start, lines.isBlank(messageEnd - 1) { messageEnd -= 1 }
            }
        }
        self.trailers = trailers
        storedMessage = PatchMail.messageText(lines, start..<messageEnd)

        // Appendix: diffstat between `---` and the diff.
        var diffstat: [DiffstatEntry] = []
        var summary: String?
        let diff = DiffParser.parse(lines, from: breakAt)
        let appendixEnd = diff.firstLine ?? n
        if breakAt < appendixEnd {
            for k in breakAt..<appendixEnd {
                let u = lines.dropCR(k)
                if u.first == 0x20, let bar = u.firstIndex(of: UInt8(ascii: "|")) {
                    if bar + 1 < u.count, u[bar + 1] >= 0x80 {
                        // A mark after `|` may join it into one character: the character rules.
                        let t = lines.substringDroppingCR(k)
                        let barIndex = t.utf8.index(t.utf8.startIndex, offsetBy: bar)
                        let path = t[..<barIndex].trimmedBlanks
                        let graph = t[t.index(after: barIndex)...].trimmedBlanks
                        if !path.isEmpty {
                            diffstat.append(DiffstatEntry(path: path, changes: Int(graph.prefix { $0.isNumber }), graph: graph))
                        }
                    } else if let entry = PatchMail.diffstatEntry(u, bar: bar) {
                        diffstat.append(entry)
                    }
                } else if u.contains(" changed"), u.contains("file") {
                    summary = lines.substringDroppingCR(k).trimmedWhitespace
                }
            }
        }
        self.diffstat = diffstat
        diffstatSummary = summary
        files = diff.files
        diffLine = diff.firstLine
        defects = diff.defects.map {
            var d = $0
            d.messageId = messageId
            return d
        }
        pullRequest = PatchMail.findPullRequest(lines)
    }

    /// A diffstat line (` path | 12 +++--`, its `|` at `bar`) read on bytes: path and graph
    /// without their blanks (spaces, tabs), the count the number starting the graph.
    static func diffstatEntry(_ u: UnsafeBufferPointer<UInt8>, bar: Int) -> DiffstatEntry? {
        func trimmed(_ from: Int, _ to: Int) -> (Int, Int) {
            var a = from, b = to
            while a < b, u[a] == 0x20 || u[a] == 0x09 { a += 1 }
            while b > a, u[b - 1] == 0x20 || u[b - 1] == 0x09 { b -= 1 }
            return (a, b)
        }
        // The cuts fall next to ASCII bytes, so each part is whole UTF-8.
        func text(_ r: (Int, Int)) -> String { String(decoding: UnsafeBufferPointer(rebasing: u[r.0..<r.1]), as: UTF8.self) }
        let path = trimmed(0, bar)
        guard path.1 > path.0 else { return nil }
        let graph = trimmed(bar + 1, u.count)
        var end = graph.0
        var count: Int? = 0
        while end < graph.1, u[end] >= 0x30, u[end] <= 0x39 {
            let (m, o1) = count!.multipliedReportingOverflow(by: 10)
            let (v, o2) = m.addingReportingOverflow(Int(u[end] - 0x30))
            count = o1 || o2 ? nil : v
            if count == nil { break }
            end += 1
        }
        if end == graph.0 { count = nil }
        let graphText = text(graph)
        // A non-ASCII byte right after the digits may make a numeric character with them: the
        // character rule decides (`Int` of the numeric prefix).
        if count != nil, end < graph.1, u[end] >= 0x80 { count = Int(graphText.prefix { $0.isNumber }) }
        if count == nil, end == graph.0, graph.0 < graph.1, u[graph.0] >= 0x80 { count = Int(graphText.prefix { $0.isNumber }) }
        return DiffstatEntry(path: text(path), changes: count, graph: graphText)
    }

    /// `Subject`, `From` or `Date` when the line starts with that name, a colon and a space.
    static func inBodyField(_ l: Substring) -> String? {
        switch l.utf8.first {
        case UInt8(ascii: "S"): return l.hasBytePrefix("Subject: ") ? "Subject" : nil
        case UInt8(ascii: "F"): return l.hasBytePrefix("From: ") ? "From" : nil
        case UInt8(ascii: "D"): return l.hasBytePrefix("Date: ") ? "Date" : nil
        default: return nil
        }
    }

    /// Lines `range` joined with LF, one trailing CR of each dropped: the body's own bytes when
    /// no line of the range ends in a CR (one range, no copy), else a joined copy.
    static func messageText(_ lines: ByteLines, _ range: Range<Int>) -> SharedText {
        guard !range.isEmpty else { return SharedText("") }
        for k in range where lines[k].last == 0x0D { return SharedText(joinLines(lines, range)) }
        let first = lines.span(range.lowerBound)
        let last = lines.span(range.upperBound - 1)
        return SharedText(lines.text, start: first.start, end: last.start + last.count)
    }

    /// Lines `range` joined with LF, one trailing CR of each dropped, in one allocation.
    static func joinLines(_ lines: ByteLines, _ range: Range<Int>) -> String {
        var total = 0
        for k in range { total += lines[k].count + 1 }
        return String(unsafeUninitializedCapacity: total) { out in
            var n = 0
            for k in range {
                if k > range.lowerBound {
                    out[n] = 0x0A
                    n += 1
                }
                let l = lines.dropCR(k)
                if let base = l.baseAddress, let to = out.baseAddress { memcpy(to + n, base, l.count) }
                n += l.count
            }
            return n
        }
    }

    /// Whether line `k` is a patch break (see `isPatchBreak(_:)`), read on bytes when it is ASCII.
    static func isPatchBreak(_ lines: ByteLines, _ k: Int) -> Bool {
        let l = lines[k]
        switch l.first {
        case UInt8(ascii: "-"), UInt8(ascii: "d"), UInt8(ascii: "I"): break
        default: return false
        }
        // Characters decide for other text (a combining mark may join a dash or a space).
        guard l.allSatisfy({ $0 < 0x80 }) else { return isPatchBreak(lines.substring(k)) }
        let t = lines.dropCR(k)
        if t.hasPrefix("---") {
            let rest = UnsafeBufferPointer(rebasing: t.dropFirst(3))
            if rest.first == 0x20, rest.count > 1, !isASCIIWhitespace(rest[1]) { return true }
            return rest.allSatisfy(isASCIIWhitespace)
        }
        return t.hasPrefix("diff -") || t.hasPrefix("Index: ")
    }

    /// `Character.isWhitespace` of an ASCII byte.
    private static func isASCIIWhitespace(_ b: UInt8) -> Bool { b == 0x20 || (b >= 0x09 && b <= 0x0D) }

    /// `---` alone (or followed by whitespace), `diff -`, `Index: `: where git mailinfo starts the patch.
    static func isPatchBreak(_ line: Substring) -> Bool {
        switch line.utf8.first {
        case UInt8(ascii: "-"), UInt8(ascii: "d"), UInt8(ascii: "I"): break
        default: return false
        }
        let l = TextLines.dropCR(line)
        if l.hasBytePrefix("---") {
            let rest = l.dropFirst(3)
            if rest.first == " ", let next = rest.dropFirst().first, !next.isWhitespace { return true }
            return rest.allSatisfy { $0.isWhitespace }
        }
        return l.hasBytePrefix("diff -") || l.hasBytePrefix("Index: ")
    }

    /// Whether line `k` is a scissors line (bytes rule out nearly every line first).
    static func isScissors(_ lines: ByteLines, _ k: Int) -> Bool {
        let l = lines[k]
        guard l.first == UInt8(ascii: "-") || l.first == UInt8(ascii: " "), l.contains(">8") || l.contains("8<")
        else { return false }
        return isScissors(lines.substring(k))
    }

    /// `-- >8 --`, `--8<--`, `------------------------ >8 ------------------------`.
    static func isScissors(_ line: Substring) -> Bool {
        guard line.utf8.first == UInt8(ascii: "-") || line.utf8.first == UInt8(ascii: " "),
              line.containsBytes(">8") || line.containsBytes("8<") else { return false }
        let l = TextLines.dropCR(line).trimmedWhitespace
        let stripped = l.replacingOccurrences(of: ">8", with: "").replacingOccurrences(of: "8<", with: "")
        return stripped.allSatisfy { $0 == "-" || $0 == " " } && stripped.contains("-")
    }

    /// The URL after `are available in the Git repository at:` (git request-pull).
    static func findPullRequest(_ lines: ByteLines) -> String? {
        guard let i = (0..<lines.count).first(where: { k in
            let l = lines[k]
            return l.first == UInt8(ascii: "a") && l.hasPrefix("are available in the ")
                && (l.contains("Git repository at") || l.contains("git repository at"))
        })
        else { return nil }
        var j = i + 1
        while j < lines.count, lines.isBlank(j) { j += 1 }
        guard j < lines.count else { return nil }
        var url = lines.substring(j).trimmedWhitespace
        // A URL wrapped onto the next line (no blank between).
        if j + 1 < lines.count {
            let next = lines.substring(j + 1).trimmedWhitespace
            if !next.isEmpty, !next.containsBytes(" "), !next.hasBytePrefix("for you to fetch") { url += next }
        }
        return url.isEmpty ? nil : url
    }
}

/// Reads trailer lines (`Reviewed-by: Name <mail>`).
public enum TrailerParser {
    /// Known trailer names, by lower-cased spelling.
    static let canonical: [String: String] = {
        let names = ["Signed-off-by", "Reviewed-by", "Acked-by", "Tested-by", "Reported-by", "Suggested-by",
                     "Co-developed-by", "Fixes", "Link", "Closes", "Cc", "Nacked-by", "Requested-by",
                     "Reported-and-tested-by", "Debugged-by", "Originally-by", "Based-on-patch-by", "Helped-by",
                     "Message-ID", "Cc-stable", "Stable-dep-of", "Bisected-by", "Analyzed-by"]
        var d: [String: String] = [:]
        for n in names { d[n.lowercased()] = n }
        return d
    }()

    /// Trailers that name a person (collected from replies).
    static let personTrailers: Set<String> = ["reviewed-by", "acked-by", "tested-by", "reported-by", "suggested-by",
                                              "signed-off-by", "co-developed-by", "nacked-by", "requested-by",
                                              "reported-and-tested-by", "debugged-by", "bisected-by", "analyzed-by"]

    /// Parses one line as a trailer: `Token: value`, token of letters, digits and dashes.
    /// - Returns: nil when the line is not trailer-shaped.
    public static func parse(_ line: some StringProtocol, source: String = "", collected: Bool = false) -> Trailer? {
        var l = Substring(line)
        // On bytes: blanks, a token of ASCII letters, digits and dashes (a letter first, at most
        // 40 bytes), `:`, a blank, then a value.
        let found = l.withUTF8 { u -> Found in
            var i = 0
            while i < u.count, u[i] == 0x20 || u[i] == 0x09 { i += 1 }
            let start = i
            guard i < u.count, (u[i] | 0x20) >= UInt8(ascii: "a"), (u[i] | 0x20) <= UInt8(ascii: "z") else { return .none }
            while i < u.count, i - start <= 40 {
                let b = u[i]
                let alnum = ((b | 0x20) >= UInt8(ascii: "a") && (b | 0x20) <= UInt8(ascii: "z")) || (b >= 0x30 && b <= 0x39)
                guard alnum || b == UInt8(ascii: "-") else { break }
                i += 1
            }
            guard i - start <= 40, i + 1 < u.count, u[i] == UInt8(ascii: ":"), u[i + 1] == 0x20 || u[i + 1] == 0x09
            else { return .none }
            let name = UnsafeBufferPointer(rebasing: u[start..<i])
            let known = canonicalName(name)
            // Untrusted shapes: only accept unknown names that contain a dash (`Foo-by`).
            if known == nil, !name.contains(UInt8(ascii: "-")) { return .none }
            // The value without its spaces and tabs (`trimmedWhitespace` where both ends are ASCII).
            var a = i + 1, b = u.count
            while a < b, u[a] == 0x20 || u[a] == 0x09 { a += 1 }
            while b > a, u[b - 1] == 0x20 || u[b - 1] == 0x09 { b -= 1 }
            guard a < b else { return .none }
            if u[a] >= 0x80 || u[b - 1] >= 0x80 { return .unicodeValue(start, i, known) }
            return .cut(known ?? String(decoding: name, as: UTF8.self),
                        String(decoding: UnsafeBufferPointer(rebasing: u[a..<b]), as: UTF8.self))
        }
        switch found {
        case .none:
            return nil
        case .cut(let name, let value):
            return Trailer(name: name, value: value, person: personAddress(value), source: source, collected: collected)
        case .unicodeValue(let start, let colon, let known):
            let u = l.utf8
            let nameStart = u.index(u.startIndex, offsetBy: start)
            let nameEnd = u.index(nameStart, offsetBy: colon - start)
            let value = l[u.index(after: nameEnd)...].trimmedWhitespace
            guard !value.isEmpty else { return nil }
            return Trailer(name: known ?? String(l[nameStart..<nameEnd]), value: value, person: personAddress(value),
                           source: source, collected: collected)
        }
    }

    /// What the bytes of a line say: not a trailer; name and value cut from the bytes; or where
    /// the name is, with a value whose ends are not ASCII (Unicode blanks are trimmed too, by
    /// the string rules).
    private enum Found { case none, cut(String, String), unicodeValue(Int, Int, String?) }

    /// The known names as (lower-cased bytes, spelling), for the lookup made on every trailer line.
    private static let canonicalBytes: [([UInt8], String)] = canonical.map { (Array($0.key.utf8), $0.value) }

    /// `canonical[name.lowercased()]` for an ASCII token (letters, digits, dashes), on bytes:
    /// no string is made for a name that is not known.
    static func canonicalName(_ u: UnsafeBufferPointer<UInt8>) -> String? {
        for (lower, name) in canonicalBytes where lower.count == u.count {
            var same = true
            for k in 0..<u.count where lower[k] != (u[k] >= 0x41 && u[k] <= 0x5A ? u[k] | 0x20 : u[k]) {
                same = false
                break
            }
            if same { return name }
        }
        return nil
    }

    /// Whether a trailer names a person (Reviewed-by, Acked-by, ...).
    public static func isPersonTrailer(_ t: Trailer) -> Bool { personTrailers.contains(t.name.lowercased()) || t.name.lowercased().hasByteSuffix("-by") }

    /// `Name <mail>`, `<mail>`, `mail` -> address.
    static func personAddress(_ value: String) -> Address? {
        // `<` and the first `>` after it, found on bytes.
        let angles = value.withBytes { b -> (Int, Int)? in
            guard let lt = b.firstIndex(of: UInt8(ascii: "<")),
                  let gt = b[lt...].firstIndex(of: UInt8(ascii: ">")) else { return nil }
            return (lt, gt)
        }
        if let (ltOffset, gtOffset) = angles {
            let lt = value.utf8.index(value.utf8.startIndex, offsetBy: ltOffset)
            let gt = value.utf8.index(value.utf8.startIndex, offsetBy: gtOffset)
            var name = value[..<lt].trimmedWhitespace
            if name.hasBytePrefix("\""), name.hasByteSuffix("\""), name.count >= 2 { name = String(name.dropFirst().dropLast()) }
            let email = String(value[value.index(after: lt)..<gt])
            guard email.containsBytes("@") else { return nil }
            return Address(name: name, email: email)
        }
        // The first word (on bytes when ASCII, where each byte is a character).
        let bare: String
        if let ascii = value.withBytes({ b -> String? in
            guard !b.contains(where: { $0 >= 0x80 }) else { return nil }
            guard let start = b.firstIndex(where: { $0 != 0x20 }) else { return "" }
            let end = b[start...].firstIndex(of: 0x20) ?? b.count
            return String(decoding: UnsafeBufferPointer(rebasing: b[start..<end]), as: UTF8.self)
        }) {
            bare = ascii
        } else {
            bare = value.split(separator: " ").first.map(String.init) ?? ""
        }
        if bare.containsBytes("@"), !bare.containsBytes("/") { return Address(name: "", email: bare) }
        return nil
    }
}
