// A "Change" link from Check answers points at its question (…?return=check#postcode).
// Browsers scroll to the fragment but leave focus at the top of the page, so a
// keyboard or screen-reader user would start again from the header. Move focus
// to the field itself (or, for a group of radios, checkboxes or date boxes, to
// its first input), as the GOV.UK error summary does for its links.
export function focusFragmentField () {
  const id = decodeURIComponent(window.location.hash.slice(1))
  if (!id) return
  const target = document.getElementById(id)
  if (!target) return
  const field = target.matches('input, select, textarea')
    ? target
    : target.querySelector('input:not([type=hidden]), select, textarea')
  if (field) field.focus({ preventScroll: false })
}
