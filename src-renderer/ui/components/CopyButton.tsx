import { useEffect, useState } from 'react'

/**
 * Copies `text`. The Clipboard API exists only in secure contexts, and a dashboard opened from
 * another machine over plain http:// is not one, so the old selection-based copy is the fallback.
 */
export function CopyButton({ text, label }: { text: string; label: string }) {
  const [copied, setCopied] = useState<'yes' | 'failed' | undefined>()

  useEffect(() => {
    if (!copied) return
    const timer = setTimeout(() => setCopied(undefined), 2_000)
    return () => clearTimeout(timer)
  }, [copied])

  const copy = async () => {
    try {
      if (navigator.clipboard) await navigator.clipboard.writeText(text)
      else copyWithSelection(text)
      setCopied('yes')
    } catch {
      setCopied('failed')
    }
  }

  return (
    <button type="button" className="copy-button" onClick={() => void copy()} aria-label={`${label}: ${text}`}>
      <span aria-live="polite">{copied === 'yes' ? 'Copied' : copied === 'failed' ? 'Select it' : 'Copy'}</span>
    </button>
  )
}

function copyWithSelection(text: string): void {
  const field = document.createElement('textarea')
  field.value = text
  field.setAttribute('readonly', '')
  field.className = 'offscreen'
  document.body.append(field)
  field.select()
  const ok = document.execCommand('copy')
  field.remove()
  if (!ok) throw new Error('copy refused')
}
