/** MLflow's input rules for the registry (mlflow/utils/validation.py), with its messages. */
import {
  KeelError,
  LIMITS,
  type KeyValue,
  type ModelVersionStage,
  MODEL_VERSION_STAGES,
  canonicalStage,
} from '@keel/contracts'
import { validateNoNul, validateUniqueKeys } from '../tracking/validation.js'

export function validateModelName(name: string | undefined, field = 'name'): string {
  if (name === undefined || name.trim() === '') {
    throw KeelError.invalid(`Registered model name cannot be empty (parameter '${field}').`)
  }
  validateNoNul(name, field)
  if (name.includes('/') || name.includes(':')) {
    throw KeelError.invalid(`Invalid registered model name '${name}': names cannot contain '/' or ':'.`)
  }
  if (name.length > 256)
    throw KeelError.invalid(`Registered model name '${name.slice(0, 64)}…' exceeds the maximum length of 256`)
  return name
}

/** A version number as MLflow accepts it: a positive integer, sent as a string. */
export function validateVersion(version: string): string {
  if (!/^\d+$/.test(version.trim())) {
    throw KeelError.invalid(`Parameter 'version' must be an integer, got '${version}'.`)
  }
  return String(Number(version.trim()))
}

export function validateAlias(alias: string): string {
  if (alias === '') throw KeelError.invalid('Alias name cannot be empty.')
  if (alias.length > LIMITS.aliasLength) {
    throw KeelError.invalid(`Alias name exceeds the maximum length of ${LIMITS.aliasLength} characters.`)
  }
  if (!/^[\w-]*$/.test(alias)) {
    throw KeelError.invalid(
      `Invalid alias name: '${alias}'. Aliases may only contain alphanumerics, underscores and dashes.`,
    )
  }
  if (alias.toLowerCase() === 'latest' || /^v\d+$/i.test(alias)) {
    throw KeelError.invalid(
      `'${alias}' is a reserved alias name: 'latest' and 'v<number>' name versions already. Use another alias.`,
    )
  }
  return alias
}

export function validateStage(stage: string): ModelVersionStage {
  const canonical = canonicalStage(stage.trim())
  if (!canonical) {
    throw KeelError.invalid(
      `Invalid Model Version stage: ${stage}. Value must be one of ${MODEL_VERSION_STAGES.join(', ')}.`,
    )
  }
  return canonical
}

export function validateRegistryTag(tag: KeyValue): KeyValue {
  if (tag.key === '') throw KeelError.invalid('Tag key cannot be empty.')
  if (tag.key.length > LIMITS.registryTagKeyLength) {
    throw KeelError.invalid(
      `Tag key '${tag.key.slice(0, 64)}…' exceeds the maximum length of ${LIMITS.registryTagKeyLength}`,
    )
  }
  if (!/^[/\w.\- :]*$/.test(tag.key)) {
    throw KeelError.invalid(
      `Invalid tag name: '${tag.key}'. Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), colon(:) and slashes (/).`,
    )
  }
  if (tag.value.length > LIMITS.registryTagValueLength) {
    throw KeelError.invalid(`Tag value for '${tag.key}' exceeds the maximum length of ${LIMITS.registryTagValueLength}`)
  }
  return tag
}

/** Tags of one create request: each valid, and no key twice (the store keys tags by name). */
export function validateRegistryTags(tags: readonly KeyValue[]): KeyValue[] {
  tags.forEach(validateRegistryTag)
  validateUniqueKeys(tags, 'tag')
  return [...tags]
}
