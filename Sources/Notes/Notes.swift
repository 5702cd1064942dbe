/// Notes: the reviewer's notes, the session file, and exports (reply mail, Markdown, JSON). Pure
/// except for the atomic session store.
import Foundation
import ReviewCore
import UffdModel
