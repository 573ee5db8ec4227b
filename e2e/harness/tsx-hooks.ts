// Lets node:test import the renderer's .tsx components. Node strips types from .ts files itself
// but does not compile JSX, so .tsx files (and only those) go through TypeScript's single-file
// transpiler. Import this module first, then import components dynamically: static imports are
// loaded before any hook could be registered.
// It lives here, not in renderer/, because renderer/ may not touch Node (lint and tsconfig).
import fs from 'node:fs'
import { registerHooks } from 'node:module'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'

const compilerOptions: ts.CompilerOptions = {
  jsx: ts.JsxEmit.ReactJSX,
  module: ts.ModuleKind.ESNext,
  target: ts.ScriptTarget.ES2023,
  verbatimModuleSyntax: true,
  allowImportingTsExtensions: true,
  sourceMap: false,
  inlineSourceMap: true,
}

registerHooks({
  load(url, context, nextLoad) {
    if (!url.startsWith('file:') || !url.endsWith('.tsx')) return nextLoad(url, context)
    const fileName = fileURLToPath(url)
    const { outputText, diagnostics } = ts.transpileModule(fs.readFileSync(fileName, 'utf8'), {
      fileName,
      compilerOptions,
      reportDiagnostics: true,
    })
    if (diagnostics !== undefined && diagnostics.length > 0) {
      const first = ts.flattenDiagnosticMessageText(diagnostics[0]?.messageText ?? '', '\n')
      throw new Error(`${fileName} does not compile: ${first}`)
    }
    return { format: 'module', source: outputText, shortCircuit: true }
  },
})
