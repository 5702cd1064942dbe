import Foundation

/// JWZ threading (https://www.jwz.org/doc/threading.html) over Message-ID, References and
/// In-Reply-To, with subject grouping only for messages that carry no reference headers.
enum Threader {
    private final class Container {
        let id: String
        // Containers are private to one `thread` call and their properties are never accessed
        // in overlapping ways there: no run-time access tracking.
        @exclusivity(unchecked) var index: Int?
        // Every container lives in `all` until threading ends: no counting needed for parents.
        @exclusivity(unchecked) unowned(unsafe) var parent: Container?
        @exclusivity(unchecked) var children: [Container] = []
        init(id: String) { self.id = id }

        func isAncestor(of other: Container) -> Bool {
            var c: Container? = other
            var steps = 0
            while let x = c, steps < 100_000 {
                if x === self { return true }
                c = x.parent
                steps += 1
            }
            return false
        }

        func removeChild(_ c: Container) {
            if let k = children.firstIndex(where: { $0 === c }) { children.remove(at: k) }
        }
    }

    /// Builds the thread forest. `messages` must already have unique Message-IDs.
    static func thread(_ messages: [Message]) -> [ThreadNode] {
        var table = StringTable<Container>(capacity: messages.count * 2)
        var all: [Container] = []
        // `parent` does not own its container: `all` keeps every container alive until the end.
        defer { withExtendedLifetime(all) {} }
        func container(_ id: String) -> Container {
            table.value(for: id) {
                let c = Container(id: id)
                all.append(c)
                return c
            }
        }
        func link(parent: Container, child: Container) {
            if child.parent === parent { return }
            if child === parent || child.isAncestor(of: parent) { return }
            child.parent?.removeChild(child)
            child.parent = parent
            parent.children.append(child)
        }

        // Pass 1: chain every message's References (each the parent of the next) where the
        // containers are not linked yet.
        var lastReference: [Container?] = []
        lastReference.reserveCapacity(messages.count)
        for (i, m) in messages.enumerated() {
            let c = container(m.messageId)
            if c.index == nil { c.index = i }
            var prev: Container?
            func chain(_ r: String) {
                guard r != m.messageId else { return }
                let rc = container(r)
                if let p = prev, rc.parent == nil, !rc.isAncestor(of: p), rc !== p {
                    link(parent: p, child: rc)
                }
                prev = rc
            }
            let references = m.references
            for r in references { chain(r) }
            if let irt = m.inReplyTo, references.last != irt {
                // In-Reply-To is the more direct parent when References is missing it.
                chain(irt)
            }
            lastReference.append(prev)
        }
        // Pass 2: a message's own headers decide its parent, over whatever other messages'
        // (possibly out-of-order) References chains implied.
        for (i, m) in messages.enumerated() {
            guard let c = table[m.messageId], c.index == i else { continue }
            if let p = lastReference[i] {
                if c.parent !== p, !c.isAncestor(of: p), c !== p { link(parent: p, child: c) }
            } else if let old = c.parent {
                old.removeChild(c)
                c.parent = nil
            }
        }

        var roots = all.filter { $0.parent == nil }
        roots = prune(roots, isRoot: true)

        // Subject fallback, only for messages without any reference headers.
        var bySubject: [String: Container] = [:]
        for r in roots {
            guard let i = r.index else { continue }
            let subject = messages[i].subject
            guard !isReply(subject) else { continue }
            let key = normalisedSubject(subject)
            if !key.isEmpty, bySubject[key] == nil { bySubject[key] = r }
        }
        var finalRoots: [Container] = []
        for r in roots {
            if let i = r.index {
                let m = messages[i]
                if m.references.isEmpty, m.inReplyTo == nil, isReply(m.subject),
                   let target = bySubject[normalisedSubject(m.subject)], target !== r {
                    r.parent = target
                    target.children.append(r)
                    continue
                }
            }
            finalRoots.append(r)
        }
        finalRoots = groupSeries(finalRoots, messages)

        func firstDate(_ c: Container) -> (Double, Int) {
            if let i = c.index {
                return (messages[i].date?.timeIntervalSince1970 ?? .infinity, i)
            }
            return c.children.map(firstDate).min { $0 < $1 } ?? (.infinity, Int.max)
        }
        func build(_ c: Container, depth: Int) -> ThreadNode {
            var kids = c.children
            if kids.count > 1 {
                // Keys computed once per child; the same comparisons as sorting by `firstDate`.
                let keyed = kids.map { (firstDate($0), $0) }.sorted { $0.0 < $1.0 }
                kids = keyed.map { $0.1 }
            }
            return ThreadNode(messageId: c.id, messageIndex: c.index,
                              children: depth > 10_000 ? [] : kids.map { build($0, depth: depth + 1) })
        }
        let ordered = finalRoots.map { (firstIndex($0), $0) }.sorted { $0.0 < $1.0 }
        return ordered.map { build($0.1, depth: 0) }
    }

    /// Patches `[PATCH n/m]` sent without usable reference headers are hung below their `0/m`
    /// cover (or, with no cover, below `1/m`) when tags, count and sender name agree and the
    /// dates are within three days.
    private static func groupSeries(_ roots: [Container], _ messages: [Message]) -> [Container] {
        struct Key: Hashable { var tags: String; var total: Int; var sender: String }
        // Candidates carry only the date (not the whole Message): the pairing below is
        // quadratic per key, and copying a Message costs a retain per field.
        func info(_ c: Container) -> (Key, Int, Date?)? {
            guard let i = c.index else { return nil }
            let m = messages[i]
            guard m.references.isEmpty, m.inReplyTo == nil, !isReply(m.subject),
                  let pos = seriesPosition(m.subject) else { return nil }
            let sender = (m.from.name.isEmpty ? m.from.email : m.from.name).lowercased()
            return (Key(tags: pos.tags, total: pos.total, sender: sender), pos.number, m.date)
        }
        let infos = roots.map(info)
        var heads: [Key: [(Int, Container, Date?)]] = [:]
        for (r, i) in zip(roots, infos) {
            if let (key, n, date) = i, n <= 1 { heads[key, default: []].append((n, r, date)) }
        }
        guard !heads.isEmpty else { return roots }
        var out: [Container] = []
        for (r, i) in zip(roots, infos) {
            guard let (key, n, date) = i, n >= 1, let candidates = heads[key] else {
                out.append(r)
                continue
            }
            // The candidates close in time; of those, the cover (0) over patch 1, then the nearest
            // in time, the first one found on a tie (one pass, no intermediate list).
            var best: Int?
            var bestDistance = 0.0
            for (k, cand) in candidates.enumerated() {
                guard cand.1 !== r, cand.0 < n else { continue }
                if let a = cand.2, let b = date, abs(a.timeIntervalSince(b)) > 3 * 86400 { continue }
                let distance = abs((cand.2 ?? .distantPast).timeIntervalSince(date ?? .distantPast))
                if let b = best {
                    let other = candidates[b].0
                    guard cand.0 < other || (cand.0 == other && distance < bestDistance) else { continue }
                }
                best = k
                bestDistance = distance
            }
            guard let best else {
                out.append(r)
                continue
            }
            let head = candidates[best].1
            r.parent = head
            head.children.append(r)
        }
        return out
    }

    /// `[RFC][PATCH v2 03/10] x` gives tags `rfc patch v2`, number 3, total 10.
    static func seriesPosition(_ subject: String) -> (tags: String, number: Int, total: Int)? {
        var copy = subject
        if let ascii = copy.withUTF8({ seriesPositionASCII($0) }) { return ascii }
        return seriesPositionCharacters(subject)
    }

    /// `seriesPosition` of ASCII text on bytes; `.some(nil)` when there is no position, nil
    /// when the text is not ASCII.
    private static func seriesPositionASCII(_ b: Bytes) -> (tags: String, number: Int, total: Int)?? {
        for c in b where c >= 0x80 { return nil }
        var start = 0
        var end = b.count
        while start < end, ASCII.isSpace(b[start]) { start += 1 }
        while end > start, ASCII.isSpace(b[end - 1]) { end -= 1 }
        var tags: [UInt8] = []
        var position: (Int, Int)?
        while start < end, b[start] == 0x5B {  // [
            let close = b.find(0x5D, from: start, to: end)  // ]
            guard close < end else { break }
            var p = start + 1
            while p < close {
                while p < close, b[p] == ASCII.space || b[p] == 0x2C { p += 1 }
                guard p < close else { break }
                let w = p
                while p < close, b[p] != ASCII.space, b[p] != 0x2C { p += 1 }
                // `n/m`: exactly two non-empty pieces around slashes (the first two kept).
                var pieceCount = 0
                var first = 0..<0, second = 0..<0
                var q = w
                while q < p {
                    while q < p, b[q] == 0x2F { q += 1 }
                    guard q < p else { break }
                    let ps = q
                    while q < p, b[q] != 0x2F { q += 1 }
                    pieceCount += 1
                    if pieceCount == 1 { first = ps..<q } else if pieceCount == 2 { second = ps..<q }
                    if pieceCount > 2 { break }
                }
                if pieceCount == 2, let n = Text.integer(b, first), let m = Text.integer(b, second), m > 0, n <= m {
                    position = (n, m)
                } else {
                    if !tags.isEmpty { tags.append(ASCII.space) }
                    for k in w..<p { tags.append(ASCII.lower(b[k])) }
                }
            }
            start = close + 1
            while start < end, ASCII.isSpace(b[start]) { start += 1 }
        }
        guard let (n, m) = position else { return .some(nil) }
        return (String(decoding: tags, as: UTF8.self), n, m)
    }

    private static func seriesPositionCharacters(_ subject: String) -> (tags: String, number: Int, total: Int)? {
        var rest = Text.trim(subject)[...]
        var tags: [String] = []
        var position: (Int, Int)?
        while rest.first == "[", let close = rest.firstIndex(of: "]") {
            let inside = rest[rest.index(after: rest.startIndex)..<close]
            for word in inside.split(whereSeparator: { $0 == " " || $0 == "," }) {
                let parts = word.split(separator: "/")
                if parts.count == 2, let n = Int(parts[0]), let m = Int(parts[1]), m > 0, n <= m {
                    position = (n, m)
                } else {
                    tags.append(word.lowercased())
                }
            }
            rest = Text.trim(rest[rest.index(after: close)...])
        }
        guard let (n, m) = position else { return nil }
        return (tags.joined(separator: " "), n, m)
    }

    private static func firstIndex(_ c: Container) -> Int {
        var best = c.index ?? Int.max
        for k in c.children { best = min(best, firstIndex(k)) }
        return best
    }

    /// Removes empty containers: childless ones vanish; others are replaced by their children
    /// (at the root only when there is a single child).
    private static func prune(_ list: [Container], isRoot: Bool) -> [Container] {
        var out: [Container] = []
        for c in list {
            if !c.children.isEmpty {
                c.children = prune(c.children, isRoot: false)
                for k in c.children { k.parent = c }
            }
            if c.index == nil {
                if c.children.isEmpty { continue }
                if !isRoot || c.children.count == 1 {
                    for k in c.children { k.parent = nil }
                    out += c.children
                    continue
                }
            }
            out.append(c)
        }
        return out
    }

    /// Subject without `Re:`/`Fwd:`/`Aw:` prefixes, lower-cased, whitespace collapsed.
    static func normalisedSubject(_ s: String) -> String {
        var copy = s
        if let ascii = copy.withUTF8({ normalisedASCIISubject($0) }) { return ascii }
        var t = Text.collapseSpaces(s).lowercased()[...]
        var changed = true
        while changed {
            changed = false
            for p in ["re:", "fwd:", "fw:", "aw:", "re :"] where t.hasPrefix(p) {
                t = Text.trim(t.dropFirst(p.count))
                changed = true
            }
        }
        return String(t)
    }

    /// `normalisedSubject` of ASCII text, on bytes (nil for other text). Collapsing removes CR
    /// and LF, so every remaining byte is one character.
    private static func normalisedASCIISubject(_ b: Bytes) -> String? {
        guard EncodedWords.isASCII(b) else { return nil }
        return String(unsafeUninitializedCapacity: b.count) { out in
            let count = Text.collapseSpaces(b, into: out, map: ASCII.lower)
            let (start, end) = strippedReplyPrefixes(UnsafeBufferPointer(rebasing: out[0..<count]))
            if start > 0, let base = out.baseAddress { memmove(base, base + start, end - start) }
            return end - start
        }
    }

    /// The bounds of lower-cased, collapsed subject bytes without `re:`-style prefixes (and the
    /// blanks around what remains).
    private static func strippedReplyPrefixes(_ out: Bytes) -> (Int, Int) {
        var start = 0
        var end = out.count
        var changed = true
        while changed {
            changed = false
            for p: StaticString in ["re:", "fwd:", "fw:", "aw:", "re :"] {
                let n = p.utf8CodeUnitCount
                guard end - start >= n else { continue }
                var same = true
                for k in 0..<n where out[start + k] != p.utf8Start[k] { same = false; break }
                guard same else { continue }
                start += n
                while start < end, ASCII.isSpace(out[start]) { start += 1 }
                while end > start, ASCII.isSpace(out[end - 1]) { end -= 1 }
                changed = true
            }
        }
        return (start, end)
    }

    static func isReply(_ s: String) -> Bool {
        var copy = s
        if let answer = copy.withUTF8({ isReplyASCII($0) }) { return answer }
        return isReplyCharacters(s)
    }

    /// `isReply` on bytes when the answer does not depend on Unicode: nil when a prefix matched
    /// but a non-ASCII byte follows it (a combining mark would change the character).
    private static func isReplyASCII(_ b: Bytes) -> Bool? {
        var i = 0
        while i < b.count, b[i] < 0x80, ASCII.isSpace(b[i]) { i += 1 }
        func matches(_ p: StaticString) -> Bool? {
            let n = p.utf8CodeUnitCount
            guard i + n <= b.count else { return false }
            let q = p.utf8Start
            for k in 0..<n where ASCII.lower(b[i + k]) != q[k] { return false }
            if i + n < b.count, b[i + n] >= 0x80 { return nil }
            return true
        }
        for p: StaticString in ["re:", "fwd:", "aw:", "re :", "fw:"] {
            guard let m = matches(p) else { return nil }
            if m { return true }
        }
        return false
    }

    private static func isReplyCharacters(_ s: String) -> Bool {
        let t = Text.trim(s).lowercased()
        return t.hasPrefix("re:") || t.hasPrefix("fwd:") || t.hasPrefix("aw:") || t.hasPrefix("re :") || t.hasPrefix("fw:")
    }
}
