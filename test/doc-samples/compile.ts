/**
 * Compiles the documentation's samples with the TypeScript compiler, as a
 * user's code importing the package's public entry points would be
 * (`tschannels`, `tschannels/testing` …, mapped to the sources the way
 * tsconfig.json maps them). A sample may leave out its imports of those
 * entry points: names it uses and does not declare are imported for it.
 *
 * @module
 */

import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'

import ts from 'typescript'

import type { Sample } from './extract.js'

/** A compile error in a sample, located in its documentation file. */
export interface SampleError {
  /** `docs/routing.md:123`: the line in the documentation file. */
  readonly where: string
  readonly message: string
}

const SAMPLE_DIR = '.doc-samples'

/** Compiles `samples` (fragments excepted) and returns their errors. */
export function compileSamples(root: string, samples: readonly Sample[], contextFile: string): SampleError[] {
  const options = compilerOptions(root)
  const entries = entryPoints(root, options)
  // A doc comment's sample may also use what its own module exports (a
  // helper that no entry point exports, documented where it is defined).
  const sources = [
    ...new Set(samples.map((sample) => sample.source).filter((source) => source.startsWith('src/'))),
  ]
  const program = ts.createProgram(
    [...entries.values(), ...sources.map((source) => join(root, source))],
    options,
  )
  const exported = exportedNames(program, entries)
  const modules = new Map(sources.map((source) => [source, moduleExports(program, join(root, source))]))
  const files = samples
    .filter((sample) => !sample.fragment)
    .map((sample) => toFile(root, sample, exported, modules.get(sample.source)))
  // A sample that declares module or global augmentations changes the types
  // of every file it is compiled with, so each such sample gets a program of
  // its own; the others share one.
  const shared = files.filter((file) => !file.augments)
  const groups = [shared, ...files.filter((file) => file.augments).map((file) => [file])]
  return groups.flatMap((group) => (group.length === 0 ? [] : compileGroup(group, options, contextFile)))
}

interface SampleFile {
  readonly sample: Sample
  readonly path: string
  readonly text: string
  /** Lines added before the sample's own first line. */
  readonly added: number
  readonly augments: boolean
}

function compileGroup(
  files: readonly SampleFile[],
  options: ts.CompilerOptions,
  contextFile: string,
): SampleError[] {
  const byPath = new Map(files.map((file) => [file.path, file]))
  const host = ts.createCompilerHost(options, true)
  const getSourceFile = host.getSourceFile.bind(host)
  host.getSourceFile = (fileName, languageVersion, onError, shouldCreate) => {
    const file = byPath.get(fileName)
    if (file !== undefined) return ts.createSourceFile(fileName, file.text, languageVersion, true)
    return getSourceFile(fileName, languageVersion, onError, shouldCreate)
  }
  const fileExists = host.fileExists.bind(host)
  host.fileExists = (fileName) => byPath.has(fileName) || fileExists(fileName)
  const folders = new Set(files.map((file) => dirname(file.path)))
  const directoryExists = host.directoryExists?.bind(host)
  host.directoryExists = (name) => folders.has(name) || (directoryExists?.(name) ?? true)
  const readFile = host.readFile.bind(host)
  host.readFile = (fileName) => byPath.get(fileName)?.text ?? readFile(fileName)
  const program = ts.createProgram([...byPath.keys(), contextFile], options, host)
  const errors: SampleError[] = []
  for (const file of files) {
    const source = program.getSourceFile(file.path)!
    const diagnostics = [
      ...program.getSyntacticDiagnostics(source),
      ...program.getSemanticDiagnostics(source),
    ]
    for (const diagnostic of diagnostics) {
      const { line } = source.getLineAndCharacterOfPosition(diagnostic.start ?? 0)
      const sampleLine = Math.max(0, line - file.added)
      errors.push({
        where: `${file.sample.source}:${file.sample.line + sampleLine}`,
        message: ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'),
      })
    }
  }
  return errors
}

/** The sample as a module: its missing imports of the public entry points added on a first line. */
function toFile(
  root: string,
  sample: Sample,
  exported: ReadonlyMap<string, Export>,
  own: ReadonlyMap<string, Export> | undefined,
): SampleFile {
  const folder = sample.source.replace(/[^\w]+/g, '-')
  const name = sample.file ?? `sample-${sample.line}.ts`
  const path = join(root, SAMPLE_DIR, folder, name)
  const parsed = ts.createSourceFile(path, sample.code, ts.ScriptTarget.ES2022, true)
  const declared = declaredNames(parsed)
  const used = usedNames(parsed)
  if (sample.wrap !== undefined) used.add(sample.wrap.base)
  const imports = new Map<string, { values: string[]; types: string[] }>()
  for (const name of used) {
    const found = exported.get(name) ?? own?.get(name)
    if (found === undefined || declared.has(name)) continue
    const entry = imports.get(found.entry) ?? { values: [], types: [] }
    ;(found.isValue ? entry.values : entry.types).push(name)
    imports.set(found.entry, entry)
  }
  const prelude = [...imports]
    .map(([entry, { values, types }]) =>
      [
        values.length > 0 ? `import { ${values.join(', ')} } from '${entry}';` : '',
        types.length > 0 ? `import type { ${types.join(', ')} } from '${entry}';` : '',
      ].join(''),
    )
    .join('')
  const augments = /^\s*declare\s+(module|global)\b/m.test(sample.code)
  // `export {}` keeps a sample without imports or exports a module.
  const head = `${prelude}export {};\n`
  const wrap = sample.wrap
  if (wrap === undefined) return { sample, path, text: `${head}${sample.code}\n`, added: 1, augments }
  const open =
    wrap.kind === 'member'
      ? `export class Sample extends ${wrap.base} {\n`
      : `export class Sample extends ${wrap.base} { async sample() {\n`
  const close = wrap.kind === 'member' ? '}\n' : '} }\n'
  return { sample, path, text: `${head}${open}${sample.code}\n${close}`, added: 2, augments }
}

interface Export {
  readonly entry: string
  readonly isValue: boolean
}

function compilerOptions(root: string): ts.CompilerOptions {
  const configPath = join(root, 'tsconfig.json')
  const config = ts.readConfigFile(configPath, (path) => readFileSync(path, 'utf8'))
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, dirname(configPath))
  return { ...parsed.options, noEmit: true, noUnusedLocals: false, noUnusedParameters: false }
}

/** The public entry points, as tsconfig.json's `paths` map them to sources. */
function entryPoints(root: string, options: ts.CompilerOptions): Map<string, string> {
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    exports: Record<string, unknown>
  }
  const entries = new Map<string, string>()
  for (const subpath of Object.keys(manifest.exports)) {
    if (subpath === './package.json') continue
    const name = subpath === '.' ? 'tschannels' : `tschannels/${subpath.slice(2)}`
    const mapped = options.paths?.[name]?.[0]
    if (mapped !== undefined) entries.set(name, join(root, mapped))
  }
  return entries
}

/** Every name the entry points export, each with the first entry point (in package.json order) that has it. */
function exportedNames(program: ts.Program, entries: ReadonlyMap<string, string>): Map<string, Export> {
  const checker = program.getTypeChecker()
  const names = new Map<string, Export>()
  for (const [entry, file] of entries) {
    const module = checker.getSymbolAtLocation(program.getSourceFile(file)!)
    if (module === undefined) continue
    for (const symbol of checker.getExportsOfModule(module)) {
      if (names.has(symbol.name)) continue
      const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol
      names.set(symbol.name, { entry, isValue: (target.flags & ts.SymbolFlags.Value) !== 0 })
    }
  }
  return names
}

/** What the module at `file` exports, to be imported by a relative path from a sample's folder. */
function moduleExports(program: ts.Program, file: string): Map<string, Export> {
  const checker = program.getTypeChecker()
  const module = checker.getSymbolAtLocation(program.getSourceFile(file)!)
  const names = new Map<string, Export>()
  if (module === undefined) return names
  // Sample folders are one level below SAMPLE_DIR, itself at the root.
  const entry = `../../${file.slice(file.indexOf('/src/') + 1).replace(/\.ts$/, '.js')}`
  for (const symbol of checker.getExportsOfModule(module)) {
    const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol
    names.set(symbol.name, { entry, isValue: (target.flags & ts.SymbolFlags.Value) !== 0 })
  }
  return names
}

/** Names the sample declares or imports at its top level. */
function declaredNames(source: ts.SourceFile): Set<string> {
  const names = new Set<string>()
  const addBinding = (name: ts.BindingName): void => {
    if (ts.isIdentifier(name)) names.add(name.text)
    else for (const element of name.elements) if (!ts.isOmittedExpression(element)) addBinding(element.name)
  }
  for (const statement of source.statements) {
    if (ts.isImportDeclaration(statement)) {
      const clause = statement.importClause
      if (clause?.name) names.add(clause.name.text)
      const bindings = clause?.namedBindings
      if (bindings && ts.isNamespaceImport(bindings)) names.add(bindings.name.text)
      if (bindings && ts.isNamedImports(bindings))
        for (const element of bindings.elements) names.add(element.name.text)
    } else if (ts.isVariableStatement(statement)) {
      for (const declaration of statement.declarationList.declarations) addBinding(declaration.name)
    } else if (
      (ts.isFunctionDeclaration(statement) ||
        ts.isClassDeclaration(statement) ||
        ts.isInterfaceDeclaration(statement) ||
        ts.isTypeAliasDeclaration(statement) ||
        ts.isEnumDeclaration(statement)) &&
      statement.name !== undefined
    ) {
      names.add(statement.name.text)
    }
  }
  return names
}

/** Every identifier the sample mentions. */
function usedNames(source: ts.SourceFile): Set<string> {
  const names = new Set<string>()
  const visit = (node: ts.Node): void => {
    if (ts.isIdentifier(node)) names.add(node.text)
    ts.forEachChild(node, visit)
  }
  visit(source)
  return names
}
