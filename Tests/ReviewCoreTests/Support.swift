import Foundation
import MailCore
import ReviewCore
import TestSupport

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
