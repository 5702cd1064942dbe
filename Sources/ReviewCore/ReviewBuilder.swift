import Foundation
import MailCore

extension Review {
    /// Builds the review of everything in a mailbox.
    public init(mailbox: Mailbox) {
        self = ReviewBuilder.build(mailbox.messages)
    }
}

/// Builds a `Review` from messages: classifies them (patch, cover letter, reply), assembles
/// series and versions, reconstructs quoted patches that are not in the input, anchors every
/// reply comment and collects trailers.
public enum ReviewBuilder {
    /// Builds the review of `mailbox`.
    public static func build(_ mailbox: Mailbox) -> Review { build(mailbox.messages) }

    enum Kind { case patch, cover, reply, other }

    final class MailBox {
        let value: PatchMail
        init(_ value: PatchMail) { self.value = value }
    }

    /// What the builder knows of one message. A class: the builder passes these around and
    /// indexes them constantly, and a reference costs one retain where a copy of all the
    /// fields would cost dozens.
    ///
    /// Accesses are not tracked at run time (`@exclusivity(unchecked)`): the builder runs on one
    /// thread and every read of a field ends before the statement that mutates it.
    final class Info {
        @exclusivity(unchecked) var message: Message
        @exclusivity(unchecked) var subject: PatchSubject
        /// The body's lines when they are not those of `message.body` (a patch rebuilt from quotes);
        /// other messages split their body again when asked, rather than keep every line of the input.
        @exclusivity(unchecked) var storedLines: [Substring]?
        /// Boxed: most messages have none, and an inline optional would take its full size anyway.
        @exclusivity(unchecked) private var mailBox: MailBox?
        var mail: PatchMail? {
            get { mailBox?.value }
            set { mailBox = newValue.map(MailBox.init) }
        }
        @exclusivity(unchecked) var kind: Kind
        /// Reconstructed from the quotes of a reply.
        @exclusivity(unchecked) var partial = false

        init(message: Message, subject: PatchSubject, storedLines: [Substring]?, mail: PatchMail?, kind: Kind,
             partial: Bool = false) {
            self.message = message
            self.subject = subject
            self.storedLines = storedLines
            self.mailBox = mail.map(MailBox.init)
            self.kind = kind
            self.partial = partial
        }

        var lines: [Substring] { storedLines ?? TextLines.split(message.body) }
        /// `body` run on the lines as bytes.
        func withLines<R>(_ body: (ByteLines) -> R) -> R {
            if let storedLines { return ByteLines.joining(storedLines, body) }
            return ByteLines.of(message.body, body)
        }
        var hasMail: Bool { mailBox != nil }
        /// The defects of the patch mail, read in the box (no copy of the mail).
        var mailDefects: [ReviewDefect] { mailBox?.value.defects ?? [] }
    }

    struct Posting {
        var version: Int
        var labelled: Bool
        var total: Int?
        var cover: Int?
        var patches: [Int]
        var author: Address
        var date: Date?
        /// The input indexes of its messages (of the first message with each identifier).
        var ids: Set<Int>
        /// The `n` of the patches' `n/m` markers, and whether an unnumbered patch is among them
        /// (what `compatible` asks, without visiting the patches).
        var indexes: Set<Int> = []
        var unnumbered = false

        mutating func add(_ i: Int, index: Int?) {
            patches.append(i)
            if let index { indexes.insert(index) } else { unnumbered = true }
        }
    }

    /// Builds the review of `messages` (input order).
    public static func build(_ messages: [Message]) -> Review {
        var defects: [ReviewDefect] = []
        let shared = StringInterner()
        var infos: [Info] = messages.map { m in
            var subject = PatchSubject(m.subject)
            var mail: PatchMail?
            var kind = Kind.other
            if !subject.isReply && !subject.isForward {
                let pullish = subject.isPatch || subject.tokens.contains { $0.uppercased() == "PULL" || $0.uppercased() == "GIT" }
                // Only a body with a diff header, a pull request or a cover letter needs taking apart.
                if subject.index == 0 || pullish
                    || TextLines.anyLine(of: m.body, startsWith: ["diff ", "Index: ", "--- "]) {
                    let pm = PatchMail(body: m.body, messageId: m.messageId)
                    if !pm.files.isEmpty || (pm.pullRequest != nil && pullish) {
                        kind = .patch
                        mail = pm
                        if let s = pm.inBodySubject { subject = PatchSubject(s) }
                    } else if subject.index == 0 {
                        kind = .cover
                        mail = pm
                    }
                }
            } else if TextLines.anyLine(of: m.body, startsWith: ["diff --git ", "@@ -"]) {
                // A reply that carries a patch the git way (in-body `From:`/`Subject:` or a scissors
                // line before an unquoted diff) is a patch; any other reply with a diff is a comment.
                let pm = PatchMail(body: m.body, messageId: m.messageId)
                if !pm.files.isEmpty, pm.inBodySubject != nil || pm.messageStart > 0 {
                    kind = .patch
                    mail = pm
                    subject = PatchSubject(pm.inBodySubject ?? subject.name)
                }
            }
            // Paths and trailers recur from patch to patch: keep one copy of each.
            if var pm = mail {
                shared.intern(&pm)
                mail = pm
            }
            if kind == .other && (subject.isReply || m.inReplyTo != nil || !m.references.isEmpty) { kind = .reply }
            return Info(message: m, subject: subject, storedLines: nil, mail: mail, kind: kind)
        }
        // Message-ID -> input index, on MailCore's quick byte hash (a `Dictionary` runs SipHash
        // over every identifier looked up, and the builder looks identifiers up tens of times each).
        var byId = StringTable<Int>(capacity: infos.count)
        for (i, info) in infos.enumerated() { _ = byId.value(for: info.message.messageId) { i } }

        // Partial patches: replies quoting a diff whose patch is not in the input.
        var partialFor: [String: Int] = [:]
        var bySubject = subjectIndex(infos)
        let indexedInfos = infos.count
        for i in infos.indices where infos[i].kind == .reply {
            // Only a reply quoting a hunk header or a diff header can rebuild a patch.
            let body = infos[i].message.body
            guard body.containsBytes("@@ -") || body.containsBytes("diff --git ") else { continue }
            if let t = target(of: i, infos, byId) {
                // A later reply to a patch already rebuilt from quotes may quote more of it.
                if infos[t].partial, let (lines, _) = quotedPatchText(infos[i].withLines(QuoteParser.classify)) {
                    mergeQuotedHunks(lines, into: &infos[t])
                }
                continue
            }
            if let fallback = subjectTarget(i, infos, bySubject), infos[fallback].kind != .reply { continue }
            let classified = infos[i].withLines(QuoteParser.classify)
            guard let (lines, author) = quotedPatchText(classified) else { continue }
            let key = partialKey(infos[i].message, byId)
            if let existing = partialFor[key] {
                // Another reply to the same missing patch: add the hunks it quotes that are new.
                mergeQuotedHunks(lines, into: &infos[existing])
                continue
            }
            let pm = PatchMail(lines: lines, messageId: key)
            guard !pm.files.isEmpty else { continue }
            let subjectText = infos[i].subject.name.isEmpty ? infos[i].message.subject
                : "[" + infos[i].subject.tokens.joined(separator: " ") + "] " + infos[i].subject.name
            // The patch's own date is unknown (only the attribution line hints at it).
            var msg = Message(messageId: key, subject: subjectText, from: Address(name: author, email: ""),
                              date: nil, body: lines.joined(separator: "\n"))
            msg.offset = infos[i].message.offset
            let info = Info(message: msg, subject: PatchSubject(subjectText), storedLines: lines, mail: pm, kind: .patch,
                            partial: true)
            infos.append(info)
            partialFor[key] = infos.count - 1
            byId.set(key, infos.count - 1)
            defects.append(ReviewDefect(kind: .missingPatch, messageId: infos[i].message.messageId,
                                        detail: "patch not in the input; reconstructed from the quotes"))
        }

        // Postings (one per version sent).
        var postings = assemblePostings(infos, byId)
        // Indexed again only if there is more to index: patches rebuilt from quotes or naked covers.
        if attachNakedCovers(&postings, &infos, byId) || infos.count != indexedInfos { bySubject = subjectIndex(infos) }

        // Series: postings of the same change set.
        var series = groupSeries(postings, infos, byId)
        // Where each patch and cover letter sits in `series` (series, version, patch).
        var patchById = StringTable<(Int, Int, Int)>(capacity: infos.count)
        var coverById = StringTable<Bool>(capacity: 16)
        for s in series.indices {
            for v in series[s].versions.indices {
                for k in series[s].versions[v].patches.indices { patchById.set(series[s].versions[v].patches[k].messageId, (s, v, k)) }
                if let c = series[s].versions[v].cover?.messageId { coverById.set(c, true) }
            }
        }

        // Documents to match quotes against, built the first time a reply needs one.
        // Keyed by input index: message identifiers are hashed once, when mapped to their index.
        var docs = SparseSlots<DocumentMap>(count: infos.count)
        func document(_ id: String, at i: Int) -> DocumentMap? {
            if let d = docs[i] { return d }
            let info = infos[i]
            var made: DocumentMap?
            if patchById[id] != nil, let pm = info.mail {
                made = info.withLines { DocumentMap(patchLines: $0, mail: pm, stored: info.storedLines) }
            } else if coverById[id] != nil {
                made = info.withLines { DocumentMap(proseLines: $0, stored: info.storedLines) }
            }
            docs[i] = made
            return made
        }

        // Comments, parents before children.
        var comments: [Comment] = []
        /// Where each reply's comments went in `comments`: (its input index, first, count).
        var runs: [(info: Int, start: Int, count: Int)] = []
        var replies: [Reply] = []
        // Indexed like `infos`: the anchors of a reply's lines by their `NormKey` hash.
        var lineAnchors = SparseSlots<KeyTable<PackedAnchor>>(count: infos.count)
        var packer = AnchorPacker()
        // The ancestors of each reply that are in the input, nearest first, as input indexes
        // (an identifier not in the input holds no anchors).
        var ancestorsOf = [[Int]](repeating: [], count: infos.count)
        // Only replies that a later reply answers are ever looked up there.
        var answered = [Bool](repeating: false, count: infos.count)
        for i in infos.indices where infos[i].kind == .reply {
            ancestorsOf[i] = ancestorIds(of: infos[i].message).compactMap { byId[$0] }
            for j in ancestorsOf[i] { answered[j] = true }
        }
        let replyIndexes = infos.indices.filter { infos[$0].kind == .reply }
        let depths = depths(of: replyIndexes, infos, byId)
        let order = replyIndexes.sorted { (depths[$0] ?? 0, $0) < (depths[$1] ?? 0, $1) }
        var collected: [String: [Trailer]] = [:]
        // What each reply answers; a document is dropped once its last reply has been read.
        var targets = [(id: String, index: Int)?](repeating: nil, count: infos.count)
        var pending = [Int32](repeating: 0, count: infos.count)
        // Likewise a reply's quote anchors, once every reply below it has been read.
        var readers = [Int32](repeating: 0, count: infos.count)
        for i in replyIndexes {
            let m = infos[i].message
            var targetId: String?
            if let t = target(of: i, infos, byId) { targetId = infos[t].message.messageId }
            else if partialFor[partialKey(m, byId)] != nil { targetId = partialKey(m, byId) }
            else if let t = subjectTarget(i, infos, bySubject) { targetId = infos[t].message.messageId }
            if let t = targetId, patchById[t] == nil, coverById[t] == nil { targetId = nil }
            if let t = targetId, let k = byId[t] {
                targets[i] = (t, k)
                pending[k] += 1
            }
            for a in ancestorsOf[i] where answered[a] { readers[a] += 1 }
        }
        for i in order {
            let info = infos[i]
            let m = info.message
            let targetId = targets[i]?.id
            defer {
                if let k = targets[i]?.index {
                    pending[k] -= 1
                    if pending[k] == 0 { docs[k] = nil }
                }
            }
            replies.append(Reply(messageId: m.messageId, subject: m.subject, author: m.from, date: m.date,
                                 replyTo: m.inReplyTo, target: targetId))
            let classified = info.withLines(QuoteParser.classify)
            let raws = QuoteParser.comments(classified, author: m.from.name)
            // Align every quoted line to the target document.
            // The anchor found for each quoted line (indexed like `classified`): an index into
            // `anchorsFound`, -1 for none (a small integer array rather than one optional anchor per line).
            var anchorsFound: [Anchor] = []
            var quoteLoc = [Int32](repeating: -1, count: classified.count)
            func location(_ k: Int) -> Anchor? { quoteLoc[k] < 0 ? nil : anchorsFound[Int(quoteLoc[k])] }
            func place(_ k: Int, _ a: Anchor) {
                anchorsFound.append(a)
                quoteLoc[k] = Int32(truncatingIfNeeded: anchorsFound.count - 1)
            }
            var placed = 0
            let quoteIdx = classified.indices.filter { classified[$0].role == .quote }
            // Each quoted line hashed once: for the alignment, the ancestors' anchors and this reply's map.
            let quoteKeys = quoteIdx.map { NormKey(classified[$0].text) }
            if let (t, k) = targets[i], document(t, at: k) != nil {
                // Aligned in place: the document keeps what it builds on the way for later replies.
                let aligned = docs[k]!.align(quoteIdx.map { classified[$0].text }, keys: quoteKeys)
                let doc = docs[k]!
                for (k, a) in aligned.enumerated() {
                    guard let a else { continue }
                    place(quoteIdx[k], anchor(doc.location(a), patch: t))
                    placed += 1
                }
            }
            // Quoted lines that are not patch text: inherit the anchor of the ancestor comment they quote.
            let ancestors = ancestorsOf[i]
            defer {
                for a in ancestors where answered[a] {
                    readers[a] -= 1
                    if readers[a] == 0 { lineAnchors[a] = nil }
                }
            }
            for (q, k) in quoteIdx.enumerated() where quoteLoc[k] < 0 {
                let norm = quoteKeys[q]
                guard norm.scalars >= 3 else { continue }
                for a in ancestors {
                    if let found = lineAnchors[a]?[norm.hash] {
                        place(k, packer.unpack(found))
                        placed += 1
                        break
                    }
                }
            }
            // Quotes that could be placed nowhere (neither in the patch nor in an earlier reply).
            let meaningfulQuotes = quoteIdx.filter { classified[$0].byteCount >= 8 }
            if !meaningfulQuotes.isEmpty, placed == 0, let first = meaningfulQuotes.first {
                defects.append(ReviewDefect(kind: .unmatchedQuote, messageId: m.messageId, line: classified[first].bodyLine,
                                            detail: "none of \(meaningfulQuotes.count) quoted lines found in "
                                                + (targetId.map { "<\($0)>" } ?? "any patch of this input")))
            }
            // This reply's comments go straight to the end of `comments` (no copy from a local array).
            let firstComment = comments.count
            // The anchors of this reply's lines, for the replies that quote it (if any do).
            let me = byId[m.messageId] ?? i
            let quotedLater = answered[me]
            var map = KeyTable<PackedAnchor>()
            for (ordinal, raw) in raws.enumerated() {
                var anchorValue: Anchor = .general(patch: targetId)
                var quotedAuthor: String?
                // The last quoted line that was found; a bare `>` (blank context) only when nothing
                // more telling precedes it (one backward pass, no list).
                var lastLocated: Int?
                var lastLocatedText: Int?
                for k in raw.quotedLines.reversed() where quoteLoc[k] >= 0 {
                    if lastLocated == nil { lastLocated = k }
                    if !classified[k].isBlank {
                        lastLocatedText = k
                        break
                    }
                }
                if let last = lastLocatedText ?? lastLocated, let a = location(last) {
                    anchorValue = a
                }
                let innermost = raw.quotedLines.last { classified[$0].role == .quote }.map { classified[$0].depth } ?? 0
                if let lastQuote = raw.quotedLines.last {
                    quotedAuthor = attribution(for: lastQuote, depth: classified[lastQuote].depth, classified)
                }
                // Counted first: the comment keeps this array, at its exact size.
                func isQuotedText(_ k: Int) -> Bool {
                    classified[k].role == .quote && (innermost == 0 || classified[k].depth == innermost)
                }
                var quotedCount = 0
                for k in raw.quotedLines where isQuotedText(k) { quotedCount += 1 }
                var quoted: [Substring] = []
                quoted.reserveCapacity(quotedCount)
                for k in raw.quotedLines where isQuotedText(k) { quoted.append(classified[k].text) }
                let trailers = raw.textLines.compactMap { k -> Trailer? in
                    guard let t = TrailerParser.parse(classified[k].text, source: m.messageId, collected: true),
                          TrailerParser.canonical[t.name.lowercased()] != nil,
                          classified[k].text.first.map({ !$0.isWhitespace }) ?? false else { return nil }
                    return t
                }
                var hunkIndex: Int?
                if case .line(let p, let f, let side, let line) = anchorValue, let (ps, pv, pk) = patchById[p] {
                    hunkIndex = series[ps].versions[pv].patches[pk].file(f)?.hunks.first { h in
                        h.lines.contains { side == .old ? $0.oldLine == line : $0.newLine == line }
                    }?.index
                }
                let c = Comment(messageId: m.messageId, ordinal: ordinal, author: m.from, date: m.date,
                                text: raw.text, quoted: quoted, quotedAuthor: quotedAuthor, replyTo: m.inReplyTo,
                                anchor: anchorValue, hunk: hunkIndex, trailers: trailers)
                comments.append(c)
                if quotedLater {
                    for k in raw.textLines {
                        let norm = NormKey(classified[k].text)
                        if norm.scalars >= 3 { map.set(norm.hash, packer.pack(anchorValue)) }
                    }
                }
                for t in trailers where accepts(t, from: m.from) {
                    if let target = targetId { collected[target, default: []].append(t) }
                }
            }
            if quotedLater {
                // Only quoted lines have a location.
                for (q, k) in quoteIdx.enumerated() {
                    guard let a = location(k) else { continue }
                    let norm = quoteKeys[q]
                    if norm.scalars >= 3, map[norm.hash] == nil { map.set(norm.hash, packer.pack(a)) }
                }
                lineAnchors[me] = map
            }
            if comments.count > firstComment { runs.append((i, firstComment, comments.count - firstComment)) }
        }
        docs = SparseSlots(count: 0)
        lineAnchors = SparseSlots(count: 0)
        // Input order (the loop went parent before child): each reply's run of comments moved to
        // its place, in place (no second array of comments).
        runs.sort { $0.info < $1.info }
        var destination = [Int](repeating: 0, count: comments.count)
        var next = 0
        for r in runs {
            for k in 0..<r.count { destination[r.start + k] = next + k }
            next += r.count
        }
        // Swapped in the buffer: memory moves, where `Array.swapAt` would copy each comment.
        comments.withUnsafeMutableBufferPointer { buffer in
            for k in buffer.indices {
                while destination[k] != k {
                    let j = destination[k]
                    buffer.swapAt(k, j)
                    destination.swapAt(k, j)
                }
            }
        }

        // Trailers from replies: on the patch, or from a cover letter on every patch of its version.
        for s in series.indices {
            // The latest version so far with a cover letter, and the Message-IDs of that posting.
            var lastCovered: (version: Int, ids: Set<String>)?
            for v in series[s].versions.indices {
                var fromCover: [Trailer] = []
                if let c = series[s].versions[v].cover {
                    fromCover = collected[c.messageId] ?? []
                    series[s].versions[v].cover?.trailers += fromCover
                    lastCovered = (v, Set(series[s].versions[v].patches.map(\.messageId) + [c.messageId]))
                } else if let (e, earlierIds) = lastCovered, let cover = series[s].versions[e].cover {
                    // A partial re-roll (patches re-sent in reply to the earlier version, no cover of
                    // their own) stays under the earlier cover letter and its trailers.
                    let threaded = series[s].versions[v].patches.contains { p in
                        guard let i = byId[p.messageId] else { return false }
                        return ancestorIds(of: infos[i].message).contains { earlierIds.contains($0) }
                    }
                    if threaded { fromCover = collected[cover.messageId] ?? [] }
                }
                for p in series[s].versions[v].patches.indices {
                    let id = series[s].versions[v].patches[p].messageId
                    let incoming = (collected[id] ?? []) + fromCover
                    guard !incoming.isEmpty else { continue }
                    // Case-insensitive (name, value) keys of the trailers so far: one lookup per
                    // collected trailer instead of a scan of the list.
                    var seen = Set(series[s].versions[v].patches[p].trailers.map { [$0.name.lowercased(), $0.value.lowercased()] })
                    for t in incoming where seen.insert([t.name.lowercased(), t.value.lowercased()]).inserted {
                        series[s].versions[v].patches[p].trailers.append(t)
                    }
                }
            }
        }
        for info in infos where info.hasMail { defects += info.mailDefects }
        return Review(series: series, comments: comments, replies: replies, defects: defects)
    }

    /// The Message-ID a reconstructed patch stands for: the nearest ancestor missing from the input,
    /// or a synthetic one when the reply names no parent (a list-archive page).
    static func partialKey(_ m: Message, _ byId: StringTable<Int>) -> String {
        ancestorIds(of: m).first { byId[$0] == nil } ?? m.inReplyTo ?? "\(m.messageId)/quoted-patch"
    }

    /// Adds to a reconstructed patch the hunks another reply quotes that it does not have yet.
    static func mergeQuotedHunks(_ quoted: [Substring], into info: inout Info) {
        guard let old = info.mail else { return }
        let incoming = PatchMail(lines: quoted, messageId: info.message.messageId)
        var extra: [Substring] = []
        for f in incoming.files {
            let known = old.files.first { $0.path == f.path }
            let fresh = f.hunks.filter { h in
                !(known?.hunks.contains { $0.oldStart == h.oldStart && $0.newStart == h.newStart } ?? false)
            }
            guard !fresh.isEmpty else { continue }
            let oldName = f.oldPath.map { "a/" + $0 } ?? "/dev/null"
            let newName = f.newPath.map { "b/" + $0 } ?? "/dev/null"
            extra += ["diff --git a/\(f.oldPath ?? f.path) b/\(f.path)", Substring("--- " + oldName), Substring("+++ " + newName)]
            for h in fresh {
                extra.append(Substring(h.header))
                extra += h.lines.map { Substring($0.diffText) }
            }
        }
        guard !extra.isEmpty else { return }
        // Drop the quoted signature (`-- `) that would end the diff before the added hunks.
        var lines = info.lines
        if let start = old.diffLine, let sig = lines[start...].firstIndex(where: { TextLines.dropCR($0) == "-- " }) {
            lines = Array(lines[..<sig])
        }
        lines += extra
        var merged = PatchMail(lines: lines, messageId: info.message.messageId)
        // One file per path, hunks in order.
        var files: [FileDiff] = []
        for f in merged.files {
            if let k = files.firstIndex(where: { $0.path == f.path }) {
                files[k].hunks += f.hunks
            } else {
                files.append(f)
            }
        }
        for k in files.indices {
            files[k].hunks.sort { ($0.oldStart, $0.newStart) < ($1.oldStart, $1.newStart) }
            for h in files[k].hunks.indices { files[k].hunks[h].index = h }
        }
        merged.files = files
        info.storedLines = lines
        info.mail = merged
        info.message.body = lines.joined(separator: "\n")
    }

    /// Whether a trailer from a reply can be collected: person trailers must name the sender.
    static func accepts(_ t: Trailer, from: Address) -> Bool {
        guard TrailerParser.isPersonTrailer(t) else { return t.name == "Fixes" }
        guard let p = t.person else { return false }
        if !p.email.isEmpty, p.email.lowercased() == from.email.lowercased() { return true }
        let a = p.name.lowercased().trimmedWhitespace
        return !a.isEmpty && a == from.name.lowercased().trimmedWhitespace
    }

    static func anchor(_ loc: DocLocation, patch: String) -> Anchor {
        switch loc {
        case .paragraph(let p): .commitMessage(patch: patch, paragraph: p)
        case .diff(let f, _, let side, let line): .line(patch: patch, file: f, side: side, line: line)
        case .general: .general(patch: patch)
        }
    }

    /// The author named by the attribution line that introduces quote depth `depth` before line `k`.
    static func attribution(for k: Int, depth: Int, _ lines: [ReplyLine]) -> String? {
        var j = k
        while j >= 0 {
            if case .attribution(let a) = lines[j].role, lines[j].depth == depth - 1 { return a }
            j -= 1
        }
        return nil
    }

    static func ancestorIds(of m: Message) -> [String] {
        var out: [String] = []
        let refs = m.references
        out.reserveCapacity(refs.count + 1)
        if let p = m.inReplyTo { out.append(p) }
        if refs.count <= 16 {
            for r in refs.reversed() where !out.contains(r) { out.append(r) }
        } else {
            // Long chains: the same order, with a set instead of a scan per identifier.
            var seen = Set(out)
            for r in refs.reversed() where seen.insert(r).inserted { out.append(r) }
        }
        return out
    }

    /// The nearest ancestor that is a patch or cover letter.
    static func target(of i: Int, _ infos: [Info], _ byId: StringTable<Int>) -> Int? {
        for a in ancestorIds(of: infos[i].message) {
            if let j = byId[a], infos[j].kind == .patch || infos[j].kind == .cover { return j }
        }
        return nil
    }

    /// A patch or cover whose subject the reply's subject repeats (when headers do not say).
    static func subjectTarget(_ i: Int, _ infos: [Info], _ bySubject: [String: [Int]]) -> Int? {
        let s = infos[i].subject
        guard s.isReply, !s.name.isEmpty else { return nil }
        return (bySubject[s.name] ?? []).first { j in
            j != i && (infos[j].kind == .patch || infos[j].kind == .cover)
                && infos[j].subject.version == s.version && infos[j].subject.index == s.index
        }
    }

    /// Patches and cover letters by subject name.
    static func subjectIndex(_ infos: [Info]) -> [String: [Int]] {
        var out: [String: [Int]] = [:]
        for (j, info) in infos.enumerated() where info.kind == .patch || info.kind == .cover {
            out[info.subject.name, default: []].append(j)
        }
        return out
    }

    /// `depth(of:)` for many messages in linear time: each parent chain is walked once and
    /// its depths remembered (d = 1 + d(parent) off cycles); a walk that meets a cycle falls back to
    /// `depth(of:)` for the messages on it, so the figures are the same.
    static func depths(of indexes: [Int], _ infos: [Info], _ byId: StringTable<Int>) -> [Int: Int] {
        var memo: [Int: Int] = [:]
        memo.reserveCapacity(indexes.count)
        func parent(_ k: Int) -> Int? {
            (infos[k].message.inReplyTo ?? infos[k].message.references.last).flatMap { byId[$0] }
        }
        var path: [Int] = []
        var onPath = Set<Int>()
        for i in indexes where memo[i] == nil {
            path.removeAll(keepingCapacity: true)
            onPath.removeAll(keepingCapacity: true)
            var cur = i
            var base: Int?
            while true {
                if let known = memo[cur] { base = known; break }
                if onPath.contains(cur) { break }
                path.append(cur)
                onPath.insert(cur)
                guard let p = parent(cur) else { base = -1; break }
                cur = p
            }
            if let b = base {
                // The chain ended at a message without a parent (-1, so it gets 0) or at one
                // whose depth is known; every message on the path is one deeper than its parent.
                var d = b
                for k in path.reversed() {
                    d += 1
                    memo[k] = d
                }
            } else {
                for k in path { memo[k] = depth(of: k, infos, byId) }
            }
        }
        var out: [Int: Int] = [:]
        out.reserveCapacity(indexes.count)
        for i in indexes { out[i] = memo[i] ?? depth(of: i, infos, byId) }
        return out
    }

    static func depth(of i: Int, _ infos: [Info], _ byId: StringTable<Int>) -> Int {
        var d = 0
        var seen: Set<String> = []
        var cur = infos[i].message.inReplyTo ?? infos[i].message.references.last
        while let c = cur, !seen.contains(c), let j = byId[c] {
            seen.insert(c)
            d += 1
            cur = infos[j].message.inReplyTo ?? infos[j].message.references.last
        }
        return d
    }

    /// The quoted text of a reply that holds a diff (the deepest level showing `@@`), with its author.
    static func quotedPatchText(_ lines: [ReplyLine]) -> ([Substring], String)? {
        var depth = 0
        for l in lines where l.role == .quote && (l.text.hasBytePrefix("@@ -") || l.text.hasBytePrefix("diff --git ")) {
            depth = max(depth, l.depth)
        }
        guard depth > 0 else { return nil }
        var out: [Substring] = []
        var author = ""
        for (k, l) in lines.enumerated() {
            if case .attribution(let a) = l.role, l.depth == depth - 1, author.isEmpty { author = a }
            if l.depth == depth, l.role == .quote { out.append(Substring(l.text)) }
            _ = k
        }
        return (out, author)
    }

    // MARK: postings and series

    static func assemblePostings(_ infos: [Info], _ byId: StringTable<Int>) -> [Posting] {
        var postings: [Posting] = []
        var postingOf = StringTable<Int>(capacity: infos.count)
        /// Postings by exact sender and version (unthreaded mail is only grouped with the same
        /// sender), in creation order.
        struct Bucket: Hashable {
            var author: String
            var version: Int
        }
        struct Slot: Hashable {
            var bucket: Bucket
            var index: Int
        }
        var byAuthor: [Bucket: [Int]] = [:]
        /// For a bucket and a patch index: how many of the bucket's first postings can never take
        /// that index (they hold it already, or an unnumbered patch). Postings only gain patches,
        /// so this only grows, and a series posted many times is not scanned again and again.
        var settled: [Slot: Int] = [:]
        let dates = infos.map(\.message.date)
        // Mail sent in the same second (a `git send-email` run) is taken parents first: a patch
        // stored before the patch it answers (a mailbox sorted newest first) still finds it.
        let depth = infos.map { info in
            info.kind == .patch ? ReviewBuilder.ancestorIds(of: info.message).count { byId[$0] != nil } : 0
        }
        let dated = infos.indices.sorted { a, b in
            switch (dates[a], dates[b]) {
            case let (x?, y?) where x != y: return x < y
            case let (x?, y?) where x == y && depth[a] != depth[b]: return depth[a] < depth[b]
            default: return a < b
            }
        }
        for i in dated where infos[i].kind == .cover {
            let s = infos[i].subject
            postings.append(Posting(version: s.version, labelled: s.versionLabelled, total: s.total, cover: i,
                                    patches: [], author: infos[i].message.from, date: infos[i].message.date,
                                    ids: [byId[infos[i].message.messageId] ?? i]))
            postingOf.set(infos[i].message.messageId, postings.count - 1)
            let f = infos[i].message.from
            byAuthor[Bucket(author: PatchSubject.lowercased(f.email) + "|" + PatchSubject.lowercased(f.name), version: s.version), default: []]
                .append(postings.count - 1)
        }
        for i in dated where infos[i].kind == .patch {
            let s = infos[i].subject
            let m = infos[i].message
            // The sender as postings are bucketed: lower-cased address and name.
            let key = PatchSubject.lowercased(m.from.email) + "|" + PatchSubject.lowercased(m.from.name)
            var chosen: Int?
            if s.index != nil {
                for a in ReviewBuilder.ancestorIds(of: m) {
                    guard let p = postingOf[a] else { continue }
                    if compatible(i, postings[p], infos) { chosen = p }
                    break
                }
                // Not threaded elsewhere: only unthreaded mail is grouped by markers (and only with
                // the same sender: equal lower-cased address and name, not both empty).
                if chosen == nil, key != "|", m.inReplyTo.map({ byId[$0] == nil }) ?? true, let idx = s.index,
                   let list = byAuthor[Bucket(author: key, version: s.version)] {
                    let slot = Slot(bucket: Bucket(author: key, version: s.version), index: idx)
                    var k = settled[slot] ?? 0
                    while k < list.count, postings[list[k]].indexes.contains(idx) || postings[list[k]].unnumbered { k += 1 }
                    settled[slot] = k
                    chosen = list[k...].first { p in
                        // Cheapest tests first: a sender's postings of other days or sizes.
                        if let d1 = postings[p].date, let d2 = m.date, abs(d2.timeIntervalSince(d1)) >= 86_400 { return false }
                        guard postings[p].total == s.total || s.total == nil else { return false }
                        return compatible(i, postings[p], infos)
                    }
                }
            }
            if let p = chosen {
                postings[p].add(i, index: s.index)
                postings[p].ids.insert(byId[m.messageId] ?? i)
                if postings[p].total == nil { postings[p].total = s.total }
                postings[p].labelled = postings[p].labelled || s.versionLabelled
            } else {
                var fresh = Posting(version: s.version, labelled: s.versionLabelled, total: s.total, cover: nil,
                                    patches: [], author: m.from, date: m.date, ids: [byId[m.messageId] ?? i])
                fresh.add(i, index: s.index)
                postings.append(fresh)
                byAuthor[Bucket(author: key, version: s.version),
                         default: []].append(postings.count - 1)
            }
            postingOf.set(m.messageId, chosen ?? postings.count - 1)
        }
        return postings
    }

    static func compatible(_ i: Int, _ p: Posting, _ infos: [Info]) -> Bool {
        let s = infos[i].subject
        guard let idx = s.index else { return false }
        if p.indexes.contains(idx) { return false }
        if s.versionLabelled && p.labelled && s.version != p.version { return false }
        if s.versionLabelled && !p.labelled && s.version != p.version { return false }
        if let t = s.total, let pt = p.total, t != pt { return false }
        if p.unnumbered { return false }
        return true
    }

    static func sameAuthor(_ a: Address, _ b: Address) -> Bool {
        (!a.email.isEmpty && PatchSubject.equalLowercased(a.email, b.email))
            || (!a.name.isEmpty && PatchSubject.equalLowercased(a.name, b.name))
    }

    /// A posting without a cover whose first patch replies to an unnumbered root mail of the same
    /// author gets that mail as its (naked) cover letter.
    /// - Returns: whether a cover was attached.
    @discardableResult
    static func attachNakedCovers(_ postings: inout [Posting], _ infos: inout [Info], _ byId: StringTable<Int>) -> Bool {
        var covers = Set(postings.compactMap(\.cover))
        var attached = false
        for p in postings.indices where postings[p].cover == nil {
            guard let first = postings[p].patches.first, let parentId = infos[first].message.inReplyTo,
                  let j = byId[parentId] else { continue }
            let parent = infos[j]
            guard parent.kind == .other || parent.kind == .reply, !parent.subject.isReply,
                  parent.message.inReplyTo == nil, parent.message.references.isEmpty,
                  sameAuthor(parent.message.from, infos[first].message.from) else { continue }
            if covers.contains(j) { continue }
            infos[j].kind = .cover
            postings[p].cover = j
            covers.insert(j)
            postings[p].ids.insert(j)
            attached = true
        }
        return attached
    }

    static func groupSeries(_ postings: [Posting], _ infos: [Info], _ byId: StringTable<Int>) -> [Series] {
        struct Group {
            var id: String
            var name: String
            var author: Address
            var ids: Set<Int>
            var names: Set<String>
            var versions: [SeriesVersion]
            /// The version numbers in `versions`, for the membership test made for every posting.
            var numbers: Set<Int> = []
            var highest: Int?
        }
        var groups: [Group] = []
        var groupOfId: [Int: Int] = [:]
        var groupsOfName: [String: [Int]] = [:]
        let ordered = postings.indices.sorted { a, b in
            switch (postings[a].date, postings[b].date) {
            case let (x?, y?) where x != y: return x < y
            default: return a < b
            }
        }
        for pi in ordered {
            let p = postings[pi]
            let patchInfos = p.patches.sorted {
                (infos[$0].subject.index ?? 0, $0) < (infos[$1].subject.index ?? 0, $1)
            }
            let coverInfo = p.cover.map { infos[$0] }
            let name = coverInfo.map { cleanName($0.subject.name) } ?? patchInfos.first.map { cleanName(infos[$0].subject.name) } ?? ""
            let names = Set(patchInfos.map { PatchSubject.lowercased(cleanName(infos[$0].subject.name)) })
            // Ancestors in the input, as input indexes (others are in no group).
            var ancestorIds: Set<Int> = []
            for i in (p.cover.map { [$0] } ?? []) + p.patches {
                for a in ReviewBuilder.ancestorIds(of: infos[i].message) {
                    if let k = byId[a] { ancestorIds.insert(k) }
                }
            }
            // Candidate groups from the indexes: threaded to, same series name, or a shared patch name.
            var candidates: Set<Int> = []
            for a in ancestorIds { if let g = groupOfId[a] { candidates.insert(g) } }
            for n in names { candidates.formUnion(groupsOfName[n] ?? []) }
            if !name.isEmpty { candidates.formUnion(groupsOfName[PatchSubject.lowercased(name)] ?? []) }
            let g = candidates.sorted().first { g in
                guard sameAuthor(groups[g].author, p.author) else { return false }
                // Threaded to an earlier posting: a new version only when it says so (an unlabelled,
                // unnumbered patch replying to a cover is a patch of its own).
                if !groups[g].ids.isDisjoint(with: ancestorIds), p.labelled,
                   !groups[g].numbers.contains(p.version) { return true }
                if !name.isEmpty, PatchSubject.lowercased(groups[g].name) == PatchSubject.lowercased(name) { return true }
                return !groups[g].names.isDisjoint(with: names)
            }
            var version = p.version
            // An unlabelled posting of a known series is its next version, unless it says RESEND.
            let resend = (coverInfo?.subject.isResend ?? false) || patchInfos.contains { infos[$0].subject.isResend }
            if let g, !p.labelled, !resend, let maxV = groups[g].highest { version = maxV + 1 }
            let patches: [Patch] = patchInfos.map { i in makePatch(infos[i], version: version) }
            let cover = coverInfo.map { c in
                CoverLetter(messageId: c.message.messageId, subject: c.message.subject, parsedSubject: c.subject,
                            author: c.message.from, date: c.message.date, text: c.withLines(proseText),
                            naked: c.subject.index != 0)
            }
            let total = p.total
            var missing: [Int] = []
            // A total beyond any real series (`[PATCH 1/999999999]`) lists no missing patches.
            if let t = total, t > 0, t <= 10_000 {
                let have = Set(patchInfos.compactMap { infos[$0].subject.index })
                missing = (1...t).filter { !have.contains($0) }
            }
            let sv = SeriesVersion(version: version, cover: cover, patches: patches, total: total, missing: missing)
            let target: Int
            if let g {
                groups[g].versions.append(sv)
                groups[g].numbers.insert(sv.version)
                groups[g].highest = max(groups[g].highest ?? sv.version, sv.version)
                groups[g].ids.formUnion(p.ids)
                groups[g].names.formUnion(names)
                target = g
            } else {
                let id = coverInfo?.message.messageId ?? patchInfos.first.map { infos[$0].message.messageId } ?? ""
                groups.append(Group(id: id, name: name, author: p.author, ids: p.ids, names: names, versions: [sv],
                                    numbers: [sv.version], highest: sv.version))
                target = groups.count - 1
                if !name.isEmpty { groupsOfName[PatchSubject.lowercased(name), default: []].append(target) }
            }
            for id in p.ids { groupOfId[id] = target }
            for n in names where !(groupsOfName[n]?.contains(target) ?? false) { groupsOfName[n, default: []].append(target) }
        }
        return groups.map { g in
            let versions = g.versions.enumerated().sorted { ($0.element.version, $0.offset) < ($1.element.version, $1.offset) }
                .map(\.element)
            return Series(id: g.id, name: g.name, versions: versions)
        }
    }

    static func cleanName(_ s: String) -> String {
        var t = Substring(s)
        while t.first == ":" || t.first == " " { t = t.dropFirst() }
        return String(t)
    }

    static func proseText(_ lines: ByteLines) -> String {
        var end = lines.count
        for k in 0..<lines.count where lines.dropCR(k).equals("-- ") {
            end = k
            break
        }
        while end > 0, lines.isBlank(end - 1) { end -= 1 }
        return PatchMail.joinLines(lines, 0..<end)
    }

    static func makePatch(_ info: Info, version: Int) -> Patch {
        let pm = info.mail ?? PatchMail(lines: info.lines, messageId: info.message.messageId)
        let partial = info.partial
        var patch = Patch(messageId: info.message.messageId, subject: info.message.subject, parsedSubject: info.subject,
                          version: version, index: info.subject.index, total: info.subject.total,
                          author: pm.inBodyFrom ?? info.message.from,
                          date: info.message.date, commitMessage: "", trailers: pm.trailers, diffstat: pm.diffstat,
                          diffstatSummary: pm.diffstatSummary, files: pm.files, partial: partial, pullRequest: pm.pullRequest)
        // The message stays the range of the body it was parsed from (no copy).
        patch.storedMessage = pm.storedMessage
        return patch
    }
}

/// An `Anchor` in 16 bytes (patch and file as indexes into tables of interned strings), for the
/// per-reply maps from quoted text to where it was anchored.
struct PackedAnchor: Sendable, Equatable {
    var kind: UInt8
    var side: Side
    var patch: Int32
    var file: Int32
    var line: Int32
}

/// Interns the strings of packed anchors.
struct AnchorPacker {
    private var strings: [String] = []
    private var ids: [String: Int32] = [:]

    /// The last string interned: consecutive anchors mostly name the same patch and file.
    private var last: (String, Int32)?
    private var lastFile: (String, Int32)?

    private mutating func intern(_ s: String) -> Int32 {
        if let (t, k) = last, t == s { return k }
        if let (t, k) = lastFile, t == s { return k }
        defer { swap(&last, &lastFile) }
        if let k = ids[s] {
            lastFile = (s, k)
            return k
        }
        let k = Int32(truncatingIfNeeded: strings.count)
        strings.append(s)
        ids[s] = k
        lastFile = (s, k)
        return k
    }

    mutating func pack(_ a: Anchor) -> PackedAnchor {
        switch a {
        case .line(let p, let f, let side, let line):
            // Diff line numbers fit in 32 bits (the parser refuses hunk headers beyond 2^30).
            return PackedAnchor(kind: 0, side: side, patch: intern(p), file: intern(f), line: Int32(clamping: line))
        case .commitMessage(let p, let paragraph):
            return PackedAnchor(kind: 1, side: .new, patch: intern(p), file: -1, line: Int32(truncatingIfNeeded: paragraph))
        case .general(let p):
            return PackedAnchor(kind: 2, side: .new, patch: p.map { intern($0) } ?? -1, file: -1, line: 0)
        }
    }

    func unpack(_ a: PackedAnchor) -> Anchor {
        switch a.kind {
        case 0: .line(patch: strings[Int(a.patch)], file: strings[Int(a.file)], side: a.side, line: Int(a.line))
        case 1: .commitMessage(patch: strings[Int(a.patch)], paragraph: Int(a.line))
        default: .general(patch: a.patch < 0 ? nil : strings[Int(a.patch)])
        }
    }
}

/// One shared copy of each recurring string (file paths, diffstat paths, trailer values and
/// people) within one build.
final class StringInterner {
    // Used by one builder on one thread; accesses never overlap.
    // Keyed on MailCore's quick byte hash: paths and trailer values are hashed once each here.
    @exclusivity(unchecked) private var strings = StringTable<String>(capacity: 256)

    func callAsFunction(_ s: String) -> String {
        // One lookup: the string already there, or `s` now inserted. Short strings are stored
        // inline by `String`: nothing to share.
        s.utf8.count <= 15 ? s : strings.value(for: s) { s }
    }

    func callAsFunction(_ s: String?) -> String? { s.map { self($0) } }

    func intern(_ mail: inout PatchMail) {
        for f in mail.files.indices {
            mail.files[f].oldPath = self(mail.files[f].oldPath)
            mail.files[f].newPath = self(mail.files[f].newPath)
        }
        for d in mail.diffstat.indices {
            mail.diffstat[d].path = self(mail.diffstat[d].path)
            mail.diffstat[d].graph = self(mail.diffstat[d].graph)
        }
        for t in mail.trailers.indices {
            mail.trailers[t].value = self(mail.trailers[t].value)
            if var p = mail.trailers[t].person {
                p.name = self(p.name)
                p.email = self(p.email)
                mail.trailers[t].person = p
            }
        }
    }
}
