import Foundation
import MailCore
import ReviewCore
import TestSupport
import Testing

/// Reads a file under `../shared` and builds its review.
func sharedReview(_ relative: String) throws -> Review {
    Review(mailbox: try MailReader.read(path: Repo.sharedFile(relative).path))
}

/// Builds the review of several shared files read together.
func sharedReview(_ relatives: [String]) throws -> Review {
    var messages: [Message] = []
    for r in relatives { messages += try MailReader.read(path: Repo.sharedFile(r).path).messages }
    return ReviewBuilder.build(messages)
}

/// A hand-built message.
func mail(_ id: String, _ subject: String, from: String = "Rev Iewer <rev@example.org>", inReplyTo: String? = nil,
          date: TimeInterval = 0, _ body: String) -> Message {
    let name = from.split(separator: "<").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
    let email = from.split(separator: "<").last.map { String($0.dropLast()) } ?? ""
    return Message(messageId: id, subject: subject, from: Address(name: name, email: email),
                   date: Date(timeIntervalSince1970: 1_700_000_000 + date), inReplyTo: inReplyTo,
                   references: inReplyTo.map { [$0] } ?? [], body: body)
}

/// The comments of `reply` read beside the v2 thread's patches: once as the mail itself, once as
/// `rendered` (the same message read back from an archive page).
func commentsBesideV2Patches(mail reply: Message, rendered: Message) throws -> (mail: [ReviewCore.Comment], page: [ReviewCore.Comment]) {
    let patches = try MailReader.read(path: Repo.sharedFile("threads/vm_uffd_ops/v2-thread.mbox").path).messages
        .filter { $0.messageId != reply.messageId }
    let mine = { (c: ReviewCore.Comment) in c.messageId == reply.messageId }
    return (ReviewBuilder.build(patches + [reply]).comments.filter(mine), ReviewBuilder.build(patches + [rendered]).comments.filter(mine))
}

/// The one message `page` (an archive page of `raw`) reads as, in `format`, checked to keep the
/// mail's Message-ID, parent, subject, author and date.
func messageOfPage(_ page: String, of raw: Message, format: InputFormat,
                   sourceLocation: SourceLocation = #_sourceLocation) throws -> Message {
    let box = MailReader.parse(bytes: Array(page.utf8), source: "page.html")
    #expect(box.format == format, sourceLocation: sourceLocation)
    #expect(box.messages.count == 1, sourceLocation: sourceLocation)
    let m = try #require(box.messages.first, sourceLocation: sourceLocation)
    #expect(m.messageId == raw.messageId, sourceLocation: sourceLocation)
    #expect(m.inReplyTo == raw.inReplyTo, sourceLocation: sourceLocation)
    #expect(m.subject == raw.subject, sourceLocation: sourceLocation)
    #expect(m.from == raw.from, sourceLocation: sourceLocation)
    #expect(m.date == raw.date, sourceLocation: sourceLocation)
    return m
}
