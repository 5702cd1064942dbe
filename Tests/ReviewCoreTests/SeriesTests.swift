import Foundation
import Testing
import MailCore
import ReviewCore
import TestSupport

/// A patchwork series mbox with its `[covers, patches, comments]` and patches per series.
struct SeriesCase: CustomTestStringConvertible, Sendable {
    var file: String
    var covers: Int
    var patches: Int
    var comments: Int
    /// Patches per posted series (patchwork's series = one of our versions), in date order.
    var perSeries: [Int]
    var receivedAll: [Bool]? = nil
    /// How many reviews (our `Series`: all versions of one change set) the postings form.
    var reviews: Int = 1
    var testDescription: String { file }
}

@Suite struct SeriesTests {
    static let patchwork: [SeriesCase] = [
        SeriesCase(file: "base-single-patch", covers: 0, patches: 1, comments: 0, perSeries: [1]),
        SeriesCase(file: "base-cover-letter", covers: 1, patches: 2, comments: 0, perSeries: [2], receivedAll: [true]),
        SeriesCase(file: "base-no-cover-letter", covers: 0, patches: 2, comments: 0, perSeries: [2]),
        SeriesCase(file: "base-deep-threaded", covers: 1, patches: 2, comments: 0, perSeries: [2]),
        SeriesCase(file: "base-out-of-order", covers: 1, patches: 2, comments: 0, perSeries: [2]),
        SeriesCase(file: "base-different-versions", covers: 1, patches: 4, comments: 0, perSeries: [4]),
        SeriesCase(file: "bugs-multiple-references", covers: 1, patches: 4, comments: 0, perSeries: [4]),
        SeriesCase(file: "base-no-references", covers: 0, patches: 2, comments: 0, perSeries: [2]),
        SeriesCase(file: "base-no-references-no-cover", covers: 1, patches: 2, comments: 0, perSeries: [2]),
        SeriesCase(file: "bugs-multiple-content-types", covers: 0, patches: 1, comments: 1, perSeries: [1]),
        SeriesCase(file: "revision-basic", covers: 2, patches: 4, comments: 0, perSeries: [2, 2]),
        SeriesCase(file: "revision-threaded-to-patch", covers: 2, patches: 4, comments: 0, perSeries: [2, 2]),
        SeriesCase(file: "revision-out-of-order", covers: 2, patches: 4, comments: 0, perSeries: [2, 2]),
        SeriesCase(file: "revision-no-cover-letter", covers: 1, patches: 4, comments: 0, perSeries: [2, 2]),
        SeriesCase(file: "revision-unlabeled", covers: 2, patches: 4, comments: 0, perSeries: [2, 2]),
        SeriesCase(file: "bugs-unnumbered", covers: 1, patches: 2, comments: 0, perSeries: [1, 1], reviews: 2),
        SeriesCase(file: "bugs-nocover", covers: 0, patches: 4, comments: 0, perSeries: [2, 2]),
        // v2 2/2 replies to the missing v2 1/2, and shares no name with v1 1/2: nothing ties them.
        SeriesCase(file: "bugs-mixed-versions", covers: 0, patches: 2, comments: 0, perSeries: [1, 1], reviews: 2),
        SeriesCase(file: "base-incomplete", covers: 1, patches: 1, comments: 0, perSeries: [1], receivedAll: [false]),
        SeriesCase(file: "base-extra-patches", covers: 1, patches: 3, comments: 0, perSeries: [3], receivedAll: [true]),
    ]

    @Test(arguments: patchwork)
    func patchworkSeriesExpectations(_ c: SeriesCase) throws {
        let r = try sharedReview("corpus/patchwork/series/\(c.file).mbox")
        let counts: [Int] = [r.covers.count, r.patches.count, r.replies.count]
        #expect(counts == [c.covers, c.patches, c.comments])
        let versions = r.series.flatMap(\.versions).sorted {
            ($0.patches.first?.date ?? .distantPast) < ($1.patches.first?.date ?? .distantPast)
        }
        #expect(versions.map(\.patches.count).sorted() == c.perSeries.sorted())
        if let all = c.receivedAll { #expect(versions.map(\.receivedAll) == all) }
        #expect(r.series.count == c.reviews)
    }

    @Test func versionsOfOneSeriesAreOneReview() throws {
        let r = try sharedReview("corpus/patchwork/series/revision-unlabeled.mbox")
        #expect(r.series.count == 1)
        #expect(r.series[0].versions.map(\.version) == [1, 2])
        let threaded = try sharedReview("corpus/patchwork/series/revision-threaded-to-patch.mbox")
        #expect(threaded.series.first?.versions.map(\.version) == [1, 2])
        let mixed = try sharedReview("corpus/patchwork/series/base-different-versions.mbox")
        // The cover says v3, the patches say nothing: the posting is v3.
        #expect(mixed.series.first?.versions.map(\.version) == [3])
        #expect(mixed.patches.allSatisfy { $0.version == 3 })
        #expect(mixed.series.first?.name == "net: dsa: Multi-CPU ground work (v3)")
    }

    @Test func seriesNameIsCoverOrFirstPatch() throws {
        #expect(try sharedReview("corpus/patchwork/series/base-cover-letter.mbox").series.first?.name == "A sample series")
        #expect(try sharedReview("corpus/patchwork/series/base-no-cover-letter.mbox").series.first?.name
                == "test: Add some lorem ipsum")
    }

    @Test func vmUffdOpsVersionsGroupedIntoOneReview() throws {
        let r = try sharedReview(["threads/vm_uffd_ops/v2-thread.mbox", "threads/vm_uffd_ops/v3-thread.mbox",
                                  "threads/vm_uffd_ops/v4-thread.mbox"])
        #expect(r.series.count == 1)
        #expect(r.series[0].versions.map(\.version) == [2, 3, 4])
        #expect(r.series[0].versions.map(\.patches.count) == [4, 0, 4])
        #expect(r.series[0].versions[1].missing == [1, 2, 3, 4])
        #expect(r.patches.map { $0.index ?? -1 } == [1, 2, 3, 4, 1, 2, 3, 4])
    }

    @Test func nakedCoverLetterIsTheSameAuthorsRoot() throws {
        let r = try sharedReview("corpus/b4/naked-cover-single.mbox")
        let cover = try #require(r.covers.first)
        #expect(cover.naked)
        #expect(cover.parsedSubject.name == "do a thing to the widget subsystem")
        #expect(r.series.first?.versions.first?.patches.count == 1)
    }

    @Test func bugReportIsNotACoverLetter() throws {
        let r = try sharedReview("corpus/b4/naked-cover-bugreport.mbox")
        #expect(r.covers.isEmpty)
        #expect(r.patches.count == 1)
        #expect(r.patches[0].trailers.map(\.name) == ["Reported-by", "Signed-off-by"])
    }

    @Test func pullRequestsHaveNoDiff() throws {
        let pull = try sharedReview("corpus/patchwork/mail/0001-git-pull-request.mbox")
        let p = try #require(pull.patches.first)
        #expect(p.files.isEmpty)
        #expect(p.pullRequest == "git://git.kernel.org/pub/scm/linux/kernel/git/benh/powerpc.git next")
        let withDiff = try sharedReview("corpus/patchwork/mail/0003-git-pull-request-with-diff.mbox")
        let q = try #require(withDiff.patches.first)
        #expect(q.pullRequest == "git://git.kernel.org/pub/scm/linux/kernel/git/tip/linux-2.6-tip.git x86-fixes-for-linus")
        #expect(q.files.first?.path == "arch/x86/include/asm/smp.h")
    }

    @Test func patchworkMailDiffShapes() throws {
        func patch(_ f: String) throws -> Patch { try #require(try sharedReview("corpus/patchwork/mail/\(f).mbox").patches.first) }
        let rename = try patch("0008-git-rename")
        #expect(rename.files.map(\.change) == [.renamed, .renamed] && rename.files.allSatisfy { $0.hunks.isEmpty })
        #expect(rename.files[0].newPath == "package/rpi-userland/rpi-userland-000-add-pkgconfig-files.patch")
        let renameDiff = try patch("0009-git-rename-with-diff")
        #expect(renameDiff.files.map(\.change) == [.renamed, .renamed])
        #expect(renameDiff.files.map(\.added).reduce(0, +) >= 1)
        let noNewline = try patch("0011-no-newline-at-end-of-file")
        #expect(noNewline.files.flatMap { $0.hunks.flatMap(\.lines) }.count { $0.kind == .noNewline } == 2)
        #expect(!noNewline.commitMessage.contains("No newline"))
        let empty = try patch("0021-git-empty-new-file")
        #expect(empty.files.first?.change == .added && empty.files.first?.hunks.isEmpty == true)
        let mode = try patch("0022-git-mode-change")
        #expect(mode.files.first?.oldMode == "100644" && mode.files.first?.newMode == "100755")
        let binary = try patch("0025-git-add-binary-file")
        #expect(binary.files.first?.isBinary == true && binary.files.first?.path == "pixel.bmp")
        let mixed = try patch("0026-git-add-mixed-binary-text-files")
        #expect(mixed.files.map(\.isBinary) == [true, false])
        #expect(mixed.files.last?.added == 3)
    }

    @Test func patchPartsAreSplitLikeMailinfo() throws {
        let r = try sharedReview("threads/vm_uffd_ops/v2-thread.mbox")
        let p = try #require(r.patches.first)
        #expect(p.commitMessage.hasPrefix("Introduce a generic userfaultfd API for vm_operations_struct"))
        #expect(p.trailers.first?.line == "Signed-off-by: Peter Xu <peterx@redhat.com>")
        #expect(p.diffstat.map(\.path) == ["include/linux/mm.h", "include/linux/userfaultfd_k.h"])
        #expect(p.diffstat.map(\.changes) == [9, 52])
        #expect(p.diffstatSummary == "2 files changed, 61 insertions(+)")
        #expect(p.files.map(\.path) == ["include/linux/mm.h", "include/linux/userfaultfd_k.h"])
        #expect(p.files[1].hunks.first?.header == "@@ -92,6 +92,58 @@ enum mfill_atomic_mode {")
    }

    @Test func resendKeepsItsVersionAndOutOfOrderPatchesAreSorted() {
        let diff = "---\ndiff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n"
        let a = "Pat Cher <pat@example.org>"
        let messages = [
            mail("2", "[PATCH 2/2] x: two", from: a, date: 2, "Two.\n" + diff),
            mail("1", "[PATCH 1/2] x: one", from: a, date: 1, "One.\n" + diff),
            mail("r1", "[PATCH RESEND 1/2] x: one", from: a, date: 100, "One.\n" + diff),
            mail("r2", "[PATCH RESEND 2/2] x: two", from: a, date: 101, "Two.\n" + diff),
            mail("v2", "[PATCH v2] x: one", from: a, date: 200, "One, better.\n" + diff),
        ]
        let r = ReviewBuilder.build(messages)
        #expect(r.series.count == 1)
        #expect(r.series.first?.versions.map(\.version) == [1, 1, 2])
        #expect(r.series.first?.versions.first?.patches.map(\.messageId) == ["1", "2"])
        #expect(r.series.first?.versions[1].patches.allSatisfy { $0.parsedSubject.isResend } == true)
    }
}

@Suite struct HostileSeriesTests {
    /// The same unthreaded series posted again and again (a resend storm, or an archive holding
    /// many copies): every posting keeps its own three patches, and each later posting is the
    /// next version. Checks the per-sender index that keeps this linear.
    @Test func seriesPostedManyTimesKeepsEachPostingWhole() {
        let diff = "---\ndiff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n"
        let a = "Pat Cher <pat@example.org>"
        let copies = 60
        var messages: [Message] = []
        for c in 0..<copies {
            for n in 1...3 {
                messages.append(mail("c\(c)-\(n)", "[PATCH \(n)/3] x: part \(n)", from: a, date: 0, "Part \(n).\n" + diff))
            }
        }
        let r = ReviewBuilder.build(messages)
        #expect(r.series.count == 1)
        let versions = r.series.first?.versions ?? []
        #expect(versions.count == copies)
        #expect(versions.map(\.version) == Array(1...copies))
        for (c, v) in versions.enumerated() {
            #expect(v.patches.map(\.messageId) == ["c\(c)-1", "c\(c)-2", "c\(c)-3"])
            #expect(v.receivedAll)
        }
    }

    @Test func absurdTotalsDoNotListBillionsOfMissingPatches() {
        let diff = "---\ndiff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n"
        let r = ReviewBuilder.build([mail("1", "[PATCH v999999999999999999999 1/999999999] x", diff)])
        #expect(r.patches.count == 1)
        #expect(r.series.first?.versions.first?.missing.isEmpty == true)
        #expect(r.patches.first?.version == 1)
    }
}
