/// TUICore: application state, actions, `reduce`, and a pure `render(state, size) -> Screen`.
import Foundation
