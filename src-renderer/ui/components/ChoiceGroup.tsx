import { useId } from 'react'

/** A row of radio buttons styled as a segmented control: arrow keys move between them natively. */
export function ChoiceGroup<Value extends string>({
  label,
  options,
  value,
  onChange,
}: {
  label: string
  options: readonly { value: Value; label: string }[]
  value: Value
  onChange(value: Value): void
}) {
  const name = useId()
  return (
    <fieldset className="choices">
      <legend>{label}</legend>
      {options.map(option => (
        <label key={option.value} className={option.value === value ? 'choice chosen' : 'choice'}>
          <input type="radio" name={name} value={option.value} checked={option.value === value} onChange={() => onChange(option.value)} />
          {option.label}
        </label>
      ))}
    </fieldset>
  )
}
