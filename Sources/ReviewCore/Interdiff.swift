import Foundation

/// Compares consecutive versions of a series from their text alone: patches matched by index
/// (or name), files by path, hunks by content and function context; then tells for each comment
/// on the older version whether the lines it is anchored to changed.
public enum InterdiffBuilder {
    /// Interdiffs between each pair of consecutive versions of every series.
    public static func build(series: [Series], comments: [Comment]) -> [Interdiff] {
        var out: [Interdiff] = []
        // Hunk keys per patch: each version is compared twice (with the one before and after).
        var bodies: [String: [[[Int]]]] = [:]
        var byPatch: [String: [Comment]] = [:]
        for c in comments { if let p = c.anchor.patch { byPatch[p, default: []].append(c) } }
        for s in series {
            // Versions whose patches are not in the input (a lone cover letter) are skipped.
            let posted = s.versions.filter { !$0.patches.isEmpty }
            guard posted.count > 1 else { continue }
            for k in 0..<(posted.count - 1) {
                let a = posted[k], b = posted[k + 1]
                guard a.version != b.version || a.patches != b.patches else { continue }
                let ids = a.patches.map(\.messageId) + (a.cover.map { [$0.messageId] } ?? [])
                out.append(compare(seriesId: s.id, a, b, comments: ids.flatMap { byPatch[$0] ?? [] }, bodies: &bodies))
                // Version `a` is not compared again: its keys can go.
                for p in a.patches { bodies[p.messageId] = nil }
            }
            bodies.removeAll(keepingCapacity: true)
        }
        return out
    }

    /// The interdiff from version `a` to version `b`.
    public static func compare(seriesId: String, _ a: SeriesVersion, _ b: SeriesVersion, comments: [Comment]) -> Interdiff {
        var bodies: [String: [[[Int]]]] = [:]
        return compare(seriesId: seriesId, a, b, comments: comments, bodies: &bodies)
    }

    /// The hunk keys of every hunk of a patch, by file, remembered in `cache`.
    static func keys(_ p: Patch, _ cache: inout [String: [[[Int]]]]) -> [[[Int]]] {
        if let k = cache[p.messageId] { return k }
        let k = p.files.map { $0.hunks.map(body) }
        cache[p.messageId] = k
        return k
    }

    static func compare(seriesId: String, _ a: SeriesVersion, _ b: SeriesVersion, comments: [Comment],
                        bodies: inout [String: [[[Int]]]]) -> Interdiff {
        var deltas: [PatchDelta] = []
        var usedB: Set<String> = []
        var counterpart: [String: Patch] = [:]
        let namesB = b.patches.map(name)
        for pa in a.patches {
            let nameA = name(pa)
            let pb = b.patches.indices.first { !usedB.contains(b.patches[$0].messageId) && namesB[$0] == nameA }.map { b.patches[$0] }
                ?? b.patches.first { !usedB.contains($0.messageId) && $0.index != nil && $0.index == pa.index && a.total == b.total }
            if let pb {
                usedB.insert(pb.messageId)
                counterpart[pa.messageId] = pb
                deltas.append(PatchDelta(from: pa.messageId, to: pb.messageId,
                                         hunks: compareFiles(pa.files, pb.files, keys(pa, &bodies), keys(pb, &bodies))))
            } else {
                let hunks = pa.files.flatMap { f in f.hunks.map { HunkDelta(file: f.path, fromHunk: $0.index, toHunk: nil, fate: .dropped) } }
                deltas.append(PatchDelta(from: pa.messageId, to: nil, hunks: hunks))
            }
        }
        for pb in b.patches where !usedB.contains(pb.messageId) {
            let hunks = pb.files.flatMap { f in f.hunks.map { HunkDelta(file: f.path, fromHunk: nil, toHunk: $0.index, fate: .new) } }
            deltas.append(PatchDelta(from: nil, to: pb.messageId, hunks: hunks))
        }
        var fates: [CommentFate] = []
        let ids = Set(a.patches.map(\.messageId) + (a.cover.map { [$0.messageId] } ?? []))
        for c in comments {
            guard let p = c.anchor.patch, ids.contains(p) else { continue }
            fates.append(CommentFate(commentId: c.id, status: fate(of: c, in: a, counterpart: counterpart, deltas: deltas)))
        }
        return Interdiff(seriesId: seriesId, fromVersion: a.version, toVersion: b.version, patches: deltas, comments: fates)
    }

    static func name(_ p: Patch) -> String { p.parsedSubject.name.lowercased() }

    /// Hunk fates for the files of two versions of a patch.
    public static func compareFiles(_ old: [FileDiff], _ new: [FileDiff]) -> [HunkDelta] {
        compareFiles(old, new, old.map { $0.hunks.map(body) }, new.map { $0.hunks.map(body) })
    }

    /// `compareFiles` with the hunk keys already computed (`oldKeys[file][hunk]`).
    static func compareFiles(_ old: [FileDiff], _ new: [FileDiff], _ oldKeys: [[[Int]]], _ newKeys: [[[Int]]]) -> [HunkDelta] {
        var out: [HunkDelta] = []
        var usedFiles: Set<Int> = []
        for (fi, fa) in old.enumerated() {
            let j = new.indices.first { !usedFiles.contains($0) && new[$0].path == fa.path }
                ?? new.indices.first { !usedFiles.contains($0) && (new[$0].oldPath == fa.path || new[$0].path == fa.oldPath) }
            guard let j else {
                out += fa.hunks.map { HunkDelta(file: fa.path, fromHunk: $0.index, toHunk: nil, fate: .dropped) }
                continue
            }
            usedFiles.insert(j)
            let fb = new[j]
            var usedHunks: Set<Int> = []
            var pending: [Hunk] = []
            let bodiesB = newKeys[j]
            for (hi, ha) in fa.hunks.enumerated() {
                let bodyA = oldKeys[fi][hi]
                if let k = fb.hunks.indices.first(where: { !usedHunks.contains(fb.hunks[$0].index) && bodiesB[$0] == bodyA }) {
                    let hb = fb.hunks[k]
                    usedHunks.insert(hb.index)
                    out.append(HunkDelta(file: fb.path, fromHunk: ha.index, toHunk: hb.index, fate: .unchanged))
                } else {
                    pending.append(ha)
                }
            }
            let wordsB = pending.isEmpty ? [] : fb.hunks.map(lineSet)
            for ha in pending {
                let wordsA = lineSet(ha)
                let best = fb.hunks.indices.filter { !usedHunks.contains(fb.hunks[$0].index) }
                    .map { (fb.hunks[$0], jaccard(wordsA, wordsB[$0])) }
                    .max { $0.1 < $1.1 }
                if let (hb, score) = best, score >= 0.3 || (!ha.section.isEmpty && ha.section == hb.section) {
                    usedHunks.insert(hb.index)
                    out.append(HunkDelta(file: fb.path, fromHunk: ha.index, toHunk: hb.index, fate: .changed))
                } else {
                    out.append(HunkDelta(file: fa.path, fromHunk: ha.index, toHunk: nil, fate: .dropped))
                }
            }
            for hb in fb.hunks where !usedHunks.contains(hb.index) {
                out.append(HunkDelta(file: fb.path, fromHunk: nil, toHunk: hb.index, fate: .new))
            }
        }
        for (j, fb) in new.enumerated() where !usedFiles.contains(j) {
            out += fb.hunks.map { HunkDelta(file: fb.path, fromHunk: nil, toHunk: $0.index, fate: .new) }
        }
        return out
    }

    /// A hash of a line's kind and whitespace-normalised text, computed without allocating.
    /// - Returns: the key and the number of non-blank bytes.
    static func lineKey(_ l: DiffLine) -> (key: Int, length: Int) {
        let tag: UInt8
        switch l.kind {
        case .context: tag = 1
        case .added: tag = 2
        case .removed: tag = 3
        case .noNewline: tag = 4
        }
        return textKey(l.text, tag: tag)
    }

    /// 64-bit FNV-1a over `tag` and the whitespace-collapsed bytes of `text`: one multiply per
    /// byte instead of a SipHash round (`Hasher`), same key for the same normalised line.
    static func textKey(_ text: Substring, tag: UInt8) -> (key: Int, length: Int) {
        var t = text
        return t.withUTF8 { u in
            var h: UInt64 = (0xcbf29ce484222325 ^ UInt64(tag)) &* 0x100000001b3
            var pending = false
            var length = 0
            for b in u {
                if b == 0x20 || b == 0x09 || b == 0x0D {
                    pending = length > 0
                    continue
                }
                if pending { h = (h ^ 0x20) &* 0x100000001b3 }
                pending = false
                length += 1
                h = (h ^ UInt64(b)) &* 0x100000001b3
            }
            return (Int(truncatingIfNeeded: h), length)
        }
    }

    /// The hunk's lines as keys (whitespace normalised, positions ignored).
    static func body(_ h: Hunk) -> [Int] {
        var out: [Int] = []
        out.reserveCapacity(h.lines.count)
        for l in h.lines where l.kind != .noNewline { out.append(lineKey(l).key) }
        return out
    }

    /// The hunk's distinct lines longer than two bytes, whatever their kind.
    static func lineSet(_ h: Hunk) -> Set<Int> {
        var out = Set<Int>()
        for l in h.lines where l.kind != .noNewline {
            let k = textKey(l.text, tag: 1)
            if k.length > 2 { out.insert(k.key) }
        }
        return out
    }

    /// Jaccard similarity of two hunks' line sets.
    static func jaccard(_ sa: Set<Int>, _ sb: Set<Int>) -> Double {
        guard !sa.isEmpty || !sb.isEmpty else { return 0 }
        return Double(sa.intersection(sb).count) / Double(sa.union(sb).count)
    }

    static func fate(of c: Comment, in a: SeriesVersion, counterpart: [String: Patch], deltas: [PatchDelta]) -> CommentFate.Status {
        guard case .line(let pid, let file, let side, let line) = c.anchor else { return .unknown }
        guard let pa = a.patches.first(where: { $0.messageId == pid }) else { return .unknown }
        guard let pb = counterpart[pid] else { return .addressed }
        guard let fa = pa.file(file),
              let ha = fa.hunks.first(where: { h in h.lines.contains { side == .old ? $0.oldLine == line : $0.newLine == line } }),
              let la = ha.lines.first(where: { side == .old ? $0.oldLine == line : $0.newLine == line })
        else { return .unknown }
        guard let delta = deltas.first(where: { $0.from == pid }),
              let hd = delta.hunks.first(where: { $0.fromHunk == ha.index && ($0.file == file || $0.fate == .dropped) })
        else { return .unknown }
        switch hd.fate {
        case .unchanged: return .unchanged
        case .dropped, .new: return .addressed
        case .changed:
            guard let to = hd.toHunk, let fb = pb.files.first(where: { $0.path == hd.file }),
                  let hb = fb.hunks.first(where: { $0.index == to }) else { return .addressed }
            // The anchored line must still be in the hunk, at a place where at least half of its
            // meaningful neighbours (two each side; bare `*`, `*/`, `{` do not count) are the same.
            let oldLines = ha.lines.filter { $0.kind != .noNewline }
            let old = oldLines.map { lineKey($0).key }
            let have = body(hb)
            guard let p = oldLines.firstIndex(of: la) else { return .unknown }
            let offsets = [-2, -1, 1, 2].filter { p + $0 >= 0 && p + $0 < old.count && meaningful(oldLines[p + $0].text) }
            for j in have.indices where have[j] == old[p] {
                let same = offsets.count { j + $0 >= 0 && j + $0 < have.count && have[j + $0] == old[p + $0] }
                if same * 2 >= offsets.count { return .unchanged }
            }
            return .addressed
        }
    }

    /// Whether a line says enough to identify a place (not just `*`, `*/`, `{`, `}` or blank).
    static func meaningful(_ text: Substring) -> Bool {
        text.utf8.count { ($0 | 0x20) >= UInt8(ascii: "a") && ($0 | 0x20) <= UInt8(ascii: "z") || ($0 >= 0x30 && $0 <= 0x39) || $0 >= 0x80 } >= 3
    }
}
