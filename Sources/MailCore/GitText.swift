import Foundation

/// Patches that arrive without mail around them: `git log -p` / `git show` output (one message
/// per commit) and a bare diff (`git diff`, `diff -u`, a saved `.patch` attachment).
///
/// Each becomes the message `git format-patch` would have written: the subject numbered
/// `[PATCH k/n]` in commit order (oldest first), the author and date from the commit header, the
/// de-indented commit message, `---`, then the diff. Nothing here is in the input, so every such
/// message records a `synthesisedHeaders` defect saying what was made up.
enum GitText {
    // MARK: detection

    /// `commit <40 or 64 hex digits>`, optionally followed by ` (decorations)` or ` (from <sha>)`.
    static func isCommitLine(_ b: Bytes, _ p: Int, _ e: Int) -> Bool {
        guard b.hasPrefix("commit ", at: p, to: e) else { return false }
        let end = hexRunEnd(b, p + 7, e)
        let digits = end - (p + 7)
        return (digits == 40 || digits == 64) && (end == e || b[end] == ASCII.space)
    }

    /// A line that starts a diff: `diff --git `, `diff -`, `Index: `, or `--- ` followed by `+++ `.
    static func startsDiff(_ b: Bytes, _ p: Int, _ e: Int, next: Int) -> Bool {
        if b.hasPrefix("diff --git ", at: p, to: e) || b.hasPrefix("diff -", at: p, to: e) || b.hasPrefix("Index: ", at: p, to: e) {
            return true
        }
        guard b.hasPrefix("--- ", at: p, to: e), next < b.count else { return false }
        let (e2, _) = Splitter.line(b, next, b.count)
        return b.hasPrefix("+++ ", at: next, to: e2)
    }

    /// A bare diff: its first line starts a diff, or is a `git diff-tree` commit id line
    /// (`<sha> (from <sha>)`) directly above one.
    static func isBareDiff(_ b: Bytes, _ p: Int) -> Bool {
        let n = b.count
        let (e1, l2) = Splitter.line(b, p, n)
        if startsDiff(b, p, e1, next: l2) { return true }
        let end = hexRunEnd(b, p, e1)
        guard end - p == 40 || end - p == 64, end == e1 || b[end] == ASCII.space, l2 < n else { return false }
        let (e2, l3) = Splitter.line(b, l2, n)
        return startsDiff(b, l2, e2, next: l3)
    }

    private static func hexRunEnd(_ b: Bytes, _ from: Int, _ e: Int) -> Int {
        var k = from
        while k < e, ASCII.hexValue(b[k]) != nil { k += 1 }
        return k
    }

    // MARK: splitting

    /// One span per `commit <sha>` line at the start of a line. Indented message text and diff
    /// lines never start that way (diff lines start with a space, `+`, `-`, `@` or a keyword).
    static func splitLog(_ b: Bytes, from: Int) -> Splitter.Result {
        let n = b.count
        var spans: [RawSpan] = []
        var start = from
        var pos = b.lineEnd(from: from, to: n)
        while pos < n {
            let next = b.lineEnd(from: pos, to: n)
            if b[pos] == 0x63 {
                let (e, _) = Splitter.line(b, pos, n)
                if isCommitLine(b, pos, e) {
                    spans.append(RawSpan(start: start, contentStart: start, end: pos, hasQuotedFrom: false))
                    start = pos
                }
            }
            pos = next
        }
        spans.append(RawSpan(start: start, contentStart: start, end: n, hasQuotedFrom: false))
        let heads = spans.map { head(b, $0) }
        // `git log` lists the newest commit first, `--reverse` the oldest: told from the author
        // dates when they rise down the input (equal dates keep git's default).
        let dates = heads.map { DateParser.parse($0.rawDate) }
        let known = dates.compactMap { $0 }
        let rising = known.count == dates.count && zip(known, known.dropFirst()).allSatisfy { $0 <= $1 } && known.first != known.last
        // Merge commits carry no patch of their own: they stay messages, outside the numbering.
        let patches = spans.indices.filter { !heads[$0].merge }
        var numbers = [Int?](repeating: nil, count: spans.count)
        for (k, i) in patches.enumerated() { numbers[i] = rising ? k + 1 : patches.count - k }
        let plan = Plan(heads: heads, numbers: numbers, total: patches.count, first: rising ? patches.first : patches.last)
        return Splitter.Result(format: .gitLog, spans: spans, defects: [], commits: plan)
    }

    /// Each commit's place in the series a `git log` input makes.
    struct Plan: Equatable {
        /// Each span's commit header, read once for the numbering and the message.
        var heads: [Head]
        /// The `k` of `[PATCH k/n]` for each span; nil for a merge commit.
        var numbers: [Int?]
        /// `n`: the commits that are not merges.
        var total: Int
        /// The span of patch 1, which the other patches answer.
        var first: Int?
    }

    /// What a commit's header lines (`Merge:`, `Author:`, `AuthorDate:`, `Date:`, ... up to the
    /// first blank line) say, and where its indented message starts.
    struct Head: Equatable {
        var author = Address(name: "", email: "")
        /// `AuthorDate:` when present (`--format=fuller`), else `Date:`.
        var rawDate = ""
        var merge = false
        var messageStart: Int
    }

    static func head(_ b: Bytes, _ span: RawSpan) -> Head {
        let n = span.end
        var pos = Splitter.line(b, span.start, n).1
        var authorDate: String?, plainDate: String?
        var head = Head(messageStart: n)
        while pos < n {
            let (e, next) = Splitter.line(b, pos, n)
            if e == pos {
                pos = next
                break
            }
            let text = Text.string(b, pos..<e).0
            if text.hasPrefix("Merge:") {
                head.merge = true
            } else if let v = value(text, "Author:") {
                head.author = AddressParser.parseFirst(v) ?? Address(name: v, email: "")
            } else if let v = value(text, "AuthorDate:") {
                authorDate = v
            } else if let v = value(text, "Date:") {
                plainDate = v
            }
            pos = next
        }
        head.rawDate = authorDate ?? plainDate ?? ""
        head.messageStart = pos
        return head
    }

    // MARK: messages

    /// The message of the commit in `spans[index]`, numbered and threaded as `plan` says (the
    /// oldest commit is patch 1, which the others answer; a merge is a plain message).
    static func commitMessage(_ b: Bytes, spans: [RawSpan], index: Int, plan: Plan) -> Message {
        let span = spans[index]
        let n = span.end
        let count = plan.total
        let sha = commitId(b, span.start, Splitter.line(b, span.start, n).0)
        let head = plan.heads[index]
        let author = head.author, rawDate = head.rawDate
        // The message: lines indented by four spaces (blank lines may be empty), up to the first
        // line that is not.
        var message: [Substring] = []
        var bodyStart = n
        var k = head.messageStart
        while k < n {
            let (e, next) = Splitter.line(b, k, n)
            if e == k {
                message.append("")
            } else if b.hasPrefix("    ", at: k, to: e) {
                message.append(Substring(Text.string(b, (k + 4)..<e).0))
            } else {
                bodyStart = k
                break
            }
            k = next
        }
        while let last = message.last, last.isEmpty { message.removeLast() }
        // As `git format-patch` does: the first paragraph is the subject, the rest the body.
        let firstBlank = message.firstIndex(where: { $0.allSatisfy { $0 == " " || $0 == "\t" } }) ?? message.count
        let summary = Text.collapseSpaces(message[..<firstBlank].joined(separator: " "))
        var text = Array(message[firstBlank...])
        while let first = text.first, first.allSatisfy({ $0 == " " || $0 == "\t" }) { text.removeFirst() }
        var rest = bodyStart < n ? Text.string(b, bodyStart..<n).0 : ""
        if rest.utf8.contains(ASCII.cr) { rest = rest.replacingOccurrences(of: "\r\n", with: "\n") }
        let body = text.joined(separator: "\n") + (text.isEmpty ? "" : "\n") + "---\n" + rest
        let number = plan.numbers[index]
        let subject: String
        if let number {
            subject = (count > 1 ? "[PATCH \(number)/\(count)] " : "[PATCH] ") + summary
        } else {
            subject = summary
        }
        let id = "\(sha)@git-commit.invalid"
        var defects = [Defect(kind: .synthesisedHeaders, offset: span.start,
                              detail: "git log output, not mail: Message-ID, subject number and threading made up from commit \(sha.prefix(12))")]
        let date = DateParser.parse(rawDate)
        if date == nil, !rawDate.isEmpty {
            defects.append(Defect(kind: .invalidDate, offset: span.start, detail: "unparseable Date \"\(rawDate)\""))
        }
        // Patches 2..n answer patch 1, as `git format-patch --thread` without a cover letter does.
        var root: String?
        if count > 1, let number, number > 1, let firstIndex = plan.first {
            let oldest = spans[firstIndex]
            let (e, _) = Splitter.line(b, oldest.start, oldest.end)
            root = "\(commitId(b, oldest.start, e))@git-commit.invalid"
        }
        let headers = [Header(name: "Subject", value: subject),
                       Header(name: "From", value: author.email.isEmpty ? author.name : "\(author.name) <\(author.email)>"),
                       Header(name: "Date", value: rawDate), Header(name: "Message-ID", value: "<\(id)>")]
        return Message(messageId: id, subject: subject, from: author, date: date, rawDate: rawDate,
                       inReplyTo: root, references: root.map { [$0] } ?? [], headers: headers, body: body,
                       parts: [BodyPart(contentType: "text/plain", charset: "utf-8", text: body, inBody: true)],
                       defects: defects, offset: span.start, length: span.end - span.start)
    }

    /// A bare diff as one patch message named after the files it touches.
    static func diffMessage(_ b: Bytes, span: RawSpan) -> Message {
        var (body, latin) = Text.string(b, span.contentStart..<span.end)
        if body.utf8.contains(ASCII.cr) { body = body.replacingOccurrences(of: "\r\n", with: "\n") }
        var paths: [String] = []
        let n = span.end
        var pos = span.contentStart
        while pos < n {
            let (e, next) = Splitter.line(b, pos, n)
            if b.hasPrefix("+++ ", at: pos, to: e) {
                if !b.hasPrefix("+++ /dev/null", at: pos, to: e) { paths.append(path(b, pos..<e, side: "b/")) }
            } else if b.hasPrefix("--- ", at: pos, to: e), next < n, b.hasPrefix("+++ /dev/null", at: next, to: Splitter.line(b, next, n).0) {
                // A deletion names its file on the `---` line.
                paths.append(path(b, pos..<e, side: "a/"))
            }
            pos = next
        }
        let named = paths.first.map { $0 + (paths.count > 1 ? " and \(paths.count - 1) more file\(paths.count > 2 ? "s" : "")" : "") }
        let subject = "[PATCH] " + (named ?? "diff")
        let id = MessageParser.synthesiseId(subject: subject, from: Address(name: "", email: ""), date: "", body: body)
        var defects = [Defect(kind: .synthesisedHeaders, offset: span.start,
                              detail: "a bare diff, not mail: Message-ID and subject made up; no author or date")]
        if latin {
            defects.append(Defect(kind: .invalidCharsetData, offset: span.contentStart, detail: "text is not UTF-8; read as Latin-1"))
        }
        return Message(messageId: id, subject: subject, from: Address(name: "", email: ""), date: nil,
                       headers: [Header(name: "Subject", value: subject)], body: body,
                       parts: [BodyPart(contentType: "text/plain", charset: "utf-8", text: body, inBody: true)],
                       defects: defects, offset: span.start, length: span.end - span.start)
    }

    /// The file named by a `--- `/`+++ ` line: up to a tab (a timestamp follows in `diff -u`), without
    /// git's `a/` or `b/` prefix.
    private static func path(_ b: Bytes, _ line: Range<Int>, side: String) -> String {
        var name = Substring(Text.string(b, (line.lowerBound + 4)..<line.upperBound).0)
        if let tab = name.firstIndex(of: "\t") { name = name[..<tab] }
        if name.hasPrefix(side) { name = name.dropFirst(2) }
        return String(name)
    }

    private static func commitId(_ b: Bytes, _ p: Int, _ e: Int) -> String {
        let from = p + 7
        return Text.string(b, from..<hexRunEnd(b, from, e)).0.lowercased()
    }

    /// The trimmed value of `Name: value`, when `line` is that field.
    private static func value(_ line: String, _ name: String) -> String? {
        guard line.hasPrefix(name) else { return nil }
        return Text.trim(String(line.dropFirst(name.count)))
    }
}
