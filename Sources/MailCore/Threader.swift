import Foundation

/// JWZ threading (https://www.jwz.org/doc/threading.html) over Message-ID, References and
/// In-Reply-To, with subject grouping only for messages that carry no reference headers.
enum Threader {
    /// The containers of one `thread` call, each a number into parallel arrays: walking up the
    /// parents or relinking a child costs no reference counting (the cost of a class per
    /// container, whose counts touched a cache line per step).
    private struct Nodes {
        var ids: [String] = []
        /// The message's index in the input, -1 for a container standing for an absent message.
        var index: [Int] = []
        /// -1 for none.
        var parent: [Int32] = []
        var children: [[Int32]] = []
        var table: StringTable<Int32>

        init(capacity: Int) {
            table = StringTable(capacity: capacity)
            ids.reserveCapacity(capacity)
            index.reserveCapacity(capacity)
            parent.reserveCapacity(capacity)
            children.reserveCapacity(capacity)
        }

        var count: Int { ids.count }

        /// The container of `id`, made when it is new.
        mutating func node(_ id: String) -> Int {
            let next = Int32(truncatingIfNeeded: ids.count)
            let k = Int(table.value(for: id) { next })
            if k == ids.count {
                ids.append(id)
                index.append(-1)
                parent.append(-1)
                children.append([])
            }
            return k
        }

        func isAncestor(_ a: Int, of other: Int) -> Bool {
            // No container has a childless one as its parent (while linking, `parent` and
            // `children` agree): no walk up a reply chain that may be very deep.
            if children[a].isEmpty { return a == other }
            var c = other
            var steps = 0
            while c >= 0, steps < 100_000 {
                if c == a { return true }
                c = Int(parent[c])
                steps += 1
            }
            return false
        }

        mutating func removeChild(_ p: Int, _ c: Int) {
            if let k = children[p].firstIndex(of: Int32(truncatingIfNeeded: c)) { children[p].remove(at: k) }
        }

        mutating func link(parent p: Int, child c: Int) {
            if Int(parent[c]) == p { return }
            if c == p || isAncestor(c, of: p) { return }
            if parent[c] >= 0 { removeChild(Int(parent[c]), c) }
            parent[c] = Int32(truncatingIfNeeded: p)
            children[p].append(Int32(truncatingIfNeeded: c))
        }

        /// Removes empty containers: childless ones vanish; others are replaced by their children
        /// (at the root only when there is a single child). Bottom-up over an explicit stack, so
        /// a reply chain of any depth prunes without recursion; a list with no empty container
        /// is kept as it was.
        mutating func prune(_ roots: [Int32]) -> [Int32] {
            // Post-order: every container after the containers below it.
            var order: [Int32] = []
            var seen = [Bool](repeating: false, count: count)
            var stack: [(node: Int32, expanded: Bool)] = roots.reversed().map { ($0, false) }
            while let (c, expanded) = stack.popLast() {
                if expanded {
                    order.append(c)
                    continue
                }
                guard !seen[Int(c)] else { continue }
                seen[Int(c)] = true
                stack.append((c, true))
                for k in children[Int(c)].reversed() where !seen[Int(k)] { stack.append((k, false)) }
            }
            for c in order where !children[Int(c)].isEmpty {
                let kept = spliced(children[Int(c)], isRoot: false)
                if kept != children[Int(c)] {
                    children[Int(c)] = kept
                    for k in kept { parent[Int(k)] = c }
                }
            }
            let top = spliced(roots, isRoot: true)
            if top != roots { for k in top { parent[Int(k)] = -1 } }
            return top
        }

        /// `list` with its empty containers dropped or replaced by their (already pruned) children.
        private func spliced(_ list: [Int32], isRoot: Bool) -> [Int32] {
            guard list.contains(where: { index[Int($0)] < 0 }) else { return list }
            var out: [Int32] = []
            out.reserveCapacity(list.count)
            for c32 in list {
                let c = Int(c32)
                if index[c] < 0 {
                    if children[c].isEmpty { continue }
                    if !isRoot || children[c].count == 1 {
                        out += children[c]
                        continue
                    }
                }
                out.append(c32)
            }
            return out
        }

        /// The first input index in `c`'s subtree (Int.max for none), without recursion.
        func firstIndex(_ c: Int) -> Int {
            var best = Int.max
            var stack = [c]
            var steps = 0
            while let x = stack.popLast(), steps < count {
                steps += 1
                if index[x] >= 0 { best = min(best, index[x]) }
                for k in children[x] { stack.append(Int(k)) }
            }
            return best
        }
    }

    /// Thread depth beyond which replies are hung flat under the message at this depth (every
    /// message stays in the tree; consumers that walk it, JSON writers among them, never go
    /// deeper: a JSON rendering stays linear in the thread size). Real review threads are a
    /// few dozen replies deep.
    static let maxDepth = 100

    /// Builds the thread forest (`messages` must already have unique Message-IDs); `flattened` receives the container at `maxDepth` of each
    /// subtree that was hung flat (as input indexes, -1 for an absent message).
    static func thread(_ messages: [Message], flattened: inout [Int]) -> [ThreadNode] {
        var nodes = Nodes(capacity: messages.count * 2)

        // Pass 1: chain every message's References (each the parent of the next) where the
        // containers are not linked yet.
        var lastReference: [Int] = []
        lastReference.reserveCapacity(messages.count)
        for (i, m) in messages.enumerated() {
            let c = nodes.node(m.messageId)
            if nodes.index[c] < 0 { nodes.index[c] = i }
            var prev = -1
            func chain(_ r: String) {
                guard r != m.messageId else { return }
                let rc = nodes.node(r)
                if prev >= 0, nodes.parent[rc] < 0, !nodes.isAncestor(rc, of: prev), rc != prev {
                    nodes.link(parent: prev, child: rc)
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
            guard let c32 = nodes.table[m.messageId], nodes.index[Int(c32)] == i else { continue }
            let c = Int(c32)
            let p = lastReference[i]
            if p >= 0 {
                if Int(nodes.parent[c]) != p, !nodes.isAncestor(c, of: p), c != p { nodes.link(parent: p, child: c) }
            } else if nodes.parent[c] >= 0 {
                nodes.removeChild(Int(nodes.parent[c]), c)
                nodes.parent[c] = -1
            }
        }

        var roots: [Int32] = []
        for c in 0..<nodes.count where nodes.parent[c] < 0 { roots.append(Int32(truncatingIfNeeded: c)) }
        roots = nodes.prune(roots)

        // Subject fallback, only for messages without any reference headers.
        var bySubject: [String: Int32] = [:]
        for r in roots {
            let i = nodes.index[Int(r)]
            guard i >= 0 else { continue }
            let subject = messages[i].subject
            guard !isReply(subject) else { continue }
            let key = normalisedSubject(subject)
            if !key.isEmpty, bySubject[key] == nil { bySubject[key] = r }
        }
        var finalRoots: [Int32] = []
        for r in roots {
            let i = nodes.index[Int(r)]
            if i >= 0 {
                let m = messages[i]
                if m.references.isEmpty, m.inReplyTo == nil, isReply(m.subject),
                   let target = bySubject[normalisedSubject(m.subject)], target != r {
                    nodes.parent[Int(r)] = target
                    nodes.children[Int(target)].append(r)
                    continue
                }
            }
            finalRoots.append(r)
        }
        finalRoots = groupSeries(finalRoots, messages, &nodes)

        func firstDate(_ c: Int) -> (Double, Int) {
            let i = nodes.index[c]
            if i >= 0 {
                return (messages[i].date?.timeIntervalSince1970 ?? .infinity, i)
            }
            return nodes.children[c].map { firstDate(Int($0)) }.min { $0 < $1 } ?? (.infinity, Int.max)
        }
        func build(_ c: Int, depth: Int) -> ThreadNode {
            let i = nodes.index[c]
            if depth >= maxDepth, !nodes.children[c].isEmpty {
                // Everything below, flat and in date order (iteratively: the chain may be long).
                var below: [Int32] = []
                var stack = nodes.children[c].reversed().map { $0 }
                var seen = Set<Int32>()
                while let x = stack.popLast() {
                    guard seen.insert(x).inserted else { continue }
                    below.append(x)
                    stack.append(contentsOf: nodes.children[Int(x)].reversed())
                }
                flattened.append(i)
                let keyed = below.map { (firstDate(Int($0)), $0) }.sorted { $0.0 < $1.0 }
                return ThreadNode(messageId: nodes.ids[c], messageIndex: i < 0 ? nil : i, children: keyed.map {
                    let k = nodes.index[Int($0.1)]
                    return ThreadNode(messageId: nodes.ids[Int($0.1)], messageIndex: k < 0 ? nil : k)
                })
            }
            var kids = nodes.children[c]
            if kids.count > 1 {
                // Keys computed once per child; the same comparisons as sorting by `firstDate`.
                let keyed = kids.map { (firstDate(Int($0)), $0) }.sorted { $0.0 < $1.0 }
                kids = keyed.map { $0.1 }
            }
            return ThreadNode(messageId: nodes.ids[c], messageIndex: i < 0 ? nil : i,
                              children: kids.map { build(Int($0), depth: depth + 1) })
        }
        let ordered = finalRoots.map { (nodes.firstIndex(Int($0)), $0) }.sorted { $0.0 < $1.0 }
        return ordered.map { build(Int($0.1), depth: 0) }
    }

    /// Patches `[PATCH n/m]` sent without usable reference headers are hung below their `0/m`
    /// cover (or, with no cover, below `1/m`) when tags, count and sender name agree and the
    /// dates are within three days.
    private static func groupSeries(_ roots: [Int32], _ messages: [Message], _ nodes: inout Nodes) -> [Int32] {
        struct Key: Hashable { var tags: String; var total: Int; var sender: String }
        // Candidates carry only the date (not the whole Message): the pairing below is
        // quadratic per key, and copying a Message costs a retain per field.
        func info(_ c: Int32) -> (Key, Int, Date?)? {
            let i = nodes.index[Int(c)]
            guard i >= 0 else { return nil }
            let m = messages[i]
            guard m.references.isEmpty, m.inReplyTo == nil, !isReply(m.subject),
                  let pos = seriesPosition(m.subject) else { return nil }
            let sender = (m.from.name.isEmpty ? m.from.email : m.from.name).lowercased()
            return (Key(tags: pos.tags, total: pos.total, sender: sender), pos.number, m.date)
        }
        let infos = roots.map(info)
        var heads: [Key: [(Int, Int32, Date?)]] = [:]
        for (r, i) in zip(roots, infos) {
            if let (key, n, date) = i, n <= 1 { heads[key, default: []].append((n, r, date)) }
        }
        guard !heads.isEmpty else { return roots }
        var out: [Int32] = []
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
                guard cand.1 != r, cand.0 < n else { continue }
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
            nodes.parent[Int(r)] = head
            nodes.children[Int(head)].append(r)
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
