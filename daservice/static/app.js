// Starts GOV.UK Frontend's components on every page.
//
// Loaded as <script type="module">: browsers too old for ES modules skip it and
// get the no-JavaScript version of each component, as GOV.UK Frontend intends.
import { initAll } from './govuk-frontend.min.js'

initAll()
