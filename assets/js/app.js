// Starts GOV.UK Frontend's components on every page, the session timeout
// warning on signed-in pages, and focus on the question a link points at.
//
// Loaded as <script type="module">: browsers too old for ES modules skip it and
// get the no-JavaScript version of each component, as GOV.UK Frontend intends.
import { initAll } from './govuk-frontend.min.js'
import { initTimeoutDialog } from './timeout-dialog.js'
import { focusFragmentField } from './focus-fragment.js'

initAll()
initTimeoutDialog()
focusFragmentField()
