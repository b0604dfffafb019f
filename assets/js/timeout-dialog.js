// The session timeout warning (GOV.UK's timeout pattern; WCAG 2.2.1 Timing
// Adjustable), for the <dialog> in templates/accounts/_timeout_dialog.html.
//
// The page says how many seconds its session has left and how long before
// the end to warn. Before warning, and again before signing out, it asks the
// server (a GET that does not count as activity) in case another tab kept the
// session alive. "Stay signed in" (or Escape) posts the keep-alive. At the end
// it submits the page's form marked data-save-on-timeout with timed_out=1, so
// the server saves what was typed and signs out; other pages go to the
// "You have been signed out" page.
//
// A native modal <dialog> does the hard parts: focus moves in, the page behind
// is inert, Escape fires "cancel". Hand-written rather than hmrc-frontend's
// timeout dialog, which comes with all of HMRC's frontend, builds its own
// markup, and neither saves a form nor knows an absolute session limit.

// Sign out this long before the server would, so the last save still lands
// inside the session (page load and the request itself take time).
const MARGIN_SECONDS = 5

function plural (count, unit) {
  return `${count} ${unit}${count === 1 ? '' : 's'}`
}

// "2 minutes", "1 minute 5 seconds", "20 seconds"
export function spokenDuration (seconds) {
  const minutes = Math.floor(seconds / 60)
  const rest = seconds % 60
  const parts = []
  if (minutes) parts.push(plural(minutes, 'minute'))
  if (rest || !minutes) parts.push(plural(rest, 'second'))
  return parts.join(' ')
}

// Announce once a minute, then every 20 seconds in the last minute: often
// enough to know, rarely enough not to drown out what the user is doing.
function shouldAnnounce (seconds) {
  if (seconds <= 0) return false
  return seconds % 60 === 0 || (seconds < 60 && seconds % 20 === 0)
}

function isDirty (form) {
  return Array.from(form.elements).some((field) => {
    if (field.type === 'checkbox' || field.type === 'radio') {
      return field.checked !== field.defaultChecked
    }
    if (field.tagName === 'SELECT') {
      return Array.from(field.options).some((option) => option.selected !== option.defaultSelected)
    }
    return 'defaultValue' in field && field.type !== 'hidden' && field.value !== field.defaultValue
  })
}

class TimeoutDialog {
  constructor (dialog) {
    this.dialog = dialog
    this.warning = Number(dialog.dataset.warning)
    this.atLimit = dialog.dataset.atLimit === 'true'
    this.announcer = dialog.querySelector('[data-timeout-announcer]')
    this.countdowns = dialog.querySelectorAll('.app-timeout-dialog__countdown')
    this.saveForm = document.querySelector('form[data-save-on-timeout]')
    this.timer = null
    this.lastShown = null
    this.returnFocus = null
    this.busy = false

    dialog.querySelector('[data-timeout-stay]').addEventListener('click', () => this.stay())
    dialog.querySelector('[data-timeout-close]').addEventListener('click', () => this.close())
    dialog.querySelector('[data-timeout-sign-out]').addEventListener('click', () => this.signOut({ chosen: true }))
    dialog.querySelector('[data-timeout-sign-out-link]').addEventListener('click', (event) => {
      event.preventDefault()
      this.signOut({ chosen: true })
    })
    // Escape means "Stay signed in" (or just "Close" once nothing can extend the session).
    dialog.addEventListener('cancel', (event) => {
      event.preventDefault()
      if (this.atLimit) this.close()
      else this.stay()
    })
    // Timers in background tabs are slowed down; catch up when the tab is shown.
    document.addEventListener('visibilitychange', () => {
      if (!document.hidden) this.tick()
    })
    this.restart(Number(dialog.dataset.expiresIn), this.atLimit)
  }

  restart (expiresIn, atLimit) {
    this.atLimit = atLimit
    this.deadline = Date.now() + (expiresIn - MARGIN_SECONDS) * 1000
    this.checkedBeforeWarning = false
    clearInterval(this.timer)
    this.timer = setInterval(() => this.tick(), 1000)
    this.tick()
  }

  secondsLeft () {
    return Math.max(0, Math.ceil((this.deadline - Date.now()) / 1000))
  }

  tick () {
    if (this.busy) return
    const seconds = this.secondsLeft()
    if (seconds <= 0) {
      this.recheck(() => this.signOut())
    } else if (seconds <= this.warning && !this.dialog.open) {
      if (this.checkedBeforeWarning) this.open(seconds)
      else this.recheck(() => this.open(this.secondsLeft()))
    } else if (this.dialog.open) {
      this.update(seconds)
    }
  }

  // Ask the server how long is left; if another tab extended the session,
  // start again from that, otherwise carry on with `then`.
  async recheck (then) {
    this.busy = true
    let status = null
    try {
      const response = await fetch(this.dialog.dataset.statusUrl, {
        credentials: 'same-origin',
        headers: { Accept: 'application/json' }
      })
      if (response.ok) status = await response.json()
    } catch (error) {
      status = null // offline: trust the countdown
    }
    this.busy = false
    this.checkedBeforeWarning = true
    if (status && status.signed_in && status.expires_in - MARGIN_SECONDS > this.secondsLeft() + 1) {
      if (this.dialog.open && status.expires_in - MARGIN_SECONDS > this.warning) this.close(false)
      this.restart(status.expires_in, status.at_limit)
      return
    }
    if (status && !status.signed_in && !this.saveForm) {
      this.goToSignedOut() // already over (signed out elsewhere): nothing to save here
      return
    }
    then()
  }

  open (seconds) {
    this.returnFocus = document.activeElement
    const saves = Boolean(this.saveForm)
    const loses = !saves && Array.from(document.forms).some(isDirty)
    this.dialog.querySelector('[data-timeout-idle]').hidden = this.atLimit
    this.dialog.querySelector('[data-timeout-limit]').hidden = !this.atLimit
    this.dialog.querySelector('[data-timeout-saves]').hidden = !saves
    this.dialog.querySelector('[data-timeout-loses]').hidden = !loses
    this.dialog.querySelector('[data-timeout-stay]').hidden = this.atLimit
    this.dialog.querySelector('[data-timeout-sign-out]').hidden = !this.atLimit
    this.dialog.querySelector('[data-timeout-close]').hidden = !this.atLimit
    this.dialog.querySelector('[data-timeout-sign-out-link]').hidden = this.atLimit
    this.announcer.textContent = ''
    this.update(seconds)
    this.dialog.showModal() // focus goes to the first button; its description is read out
  }

  update (seconds) {
    const text = spokenDuration(seconds)
    this.countdowns.forEach((element) => { element.textContent = text })
    if (seconds !== this.lastShown && seconds < this.warning && shouldAnnounce(seconds)) {
      this.announcer.textContent = `We will sign you out in ${text}.`
    }
    this.lastShown = seconds
  }

  close (restoreFocus = true) {
    if (!this.dialog.open) return
    this.dialog.close()
    this.announcer.textContent = ''
    if (restoreFocus && this.returnFocus && document.contains(this.returnFocus)) {
      this.returnFocus.focus()
    }
  }

  async stay () {
    if (this.busy) return
    this.busy = true
    let status = null
    try {
      const response = await fetch(this.dialog.dataset.keepAliveUrl, {
        method: 'POST',
        credentials: 'same-origin',
        headers: { Accept: 'application/json', 'X-CSRFToken': this.dialog.dataset.csrfToken }
      })
      if (response.ok) status = await response.json()
    } catch (error) {
      status = null
    }
    this.busy = false
    if (status && status.signed_in) {
      this.close()
      this.restart(status.expires_in, status.at_limit)
    } else {
      // Refused or unreachable: if the session has ended, sign out (saving the
      // form); if not, the dialog stays open for another try.
      this.recheck(() => {})
    }
  }

  // chosen: the user pressed "Sign out" rather than letting the time run out.
  signOut ({ chosen = false } = {}) {
    clearInterval(this.timer)
    this.busy = true
    if (this.saveForm) {
      const flag = document.createElement('input')
      flag.type = 'hidden'
      flag.name = 'timed_out'
      flag.value = chosen ? 'chosen' : '1'
      this.saveForm.appendChild(flag)
      // The form element's own submit(): no validation, no submit handlers.
      HTMLFormElement.prototype.submit.call(this.saveForm)
    } else {
      this.goToSignedOut(chosen)
    }
  }

  goToSignedOut (chosen = false) {
    const url = new URL(this.dialog.dataset.timedOutUrl, window.location.href)
    if (Array.from(document.forms).some(isDirty)) url.searchParams.set('lost', '1')
    if (chosen) url.searchParams.set('reason', 'chosen')
    else if (this.atLimit) url.searchParams.set('reason', 'limit')
    window.location.assign(url.href)
  }
}

export function initTimeoutDialog () {
  const dialog = document.querySelector('[data-module="app-timeout-dialog"]')
  if (!dialog || typeof dialog.showModal !== 'function') return
  return new TimeoutDialog(dialog)
}
