/// ReviewCore: series, versions, patches, files, hunks, lines and reviewer comments anchored
/// to the lines they answer. Pure: MailCore + Foundation.
import Foundation
import MailCore
