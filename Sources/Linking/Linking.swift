/// Linking: connects hunks, lines and comments to model elements (knobs, fields, handlers,
/// scenarios, locks), each link with the reason it exists. Pure.
import Foundation
import ReviewCore
import UffdModel
