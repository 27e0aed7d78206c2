// A decoded manifest plus its YAML document. Nodes keep byte offsets (yaml's
// `range`); offsets become 1-based line:col only when a diagnostic is made, through
// yaml's LineCounter (binary search over line starts).
import { Document, LineCounter, parseDocument, isMap, isPair, isScalar, isSeq, type Node, type ParsedNode } from 'yaml';
import type { Diagnostic, DiagnosticCode, SourcePosition } from '../diagnostics.ts';

export type ManifestPath = readonly (string | number)[];

export class SourceFile {
  #doc: Document.Parsed | null;
  #lineCounter: LineCounter | null;

  /**
   * `value` is the manifest as plain data. The positioned YAML document is built
   * only when a diagnostic needs a position (most files never do), unless the slow
   * path already built it.
   */
  constructor(
    readonly path: string,
    readonly name: string,
    readonly text: string,
    readonly value: unknown,
    parsed?: { readonly doc: Document.Parsed; readonly lineCounter: LineCounter },
  ) {
    this.#doc = parsed?.doc ?? null;
    this.#lineCounter = parsed?.lineCounter ?? null;
  }

  get doc(): Document.Parsed {
    if (!this.#doc) {
      this.#lineCounter = new LineCounter();
      this.#doc = parseDocument(this.text, { lineCounter: this.#lineCounter, uniqueKeys: true, merge: false });
    }
    return this.#doc;
  }

  private get lineCounter(): LineCounter {
    void this.doc;
    return this.#lineCounter!;
  }

  positionAt(offset: number): SourcePosition {
    const { line, col } = this.lineCounter.linePos(offset);
    return { line, col };
  }

  /**
   * Position of the node at `path`. When the path runs out of the document (a
   * missing key), the nearest existing parent is used, as the style guide asks.
   */
  positionOf(path: ManifestPath): SourcePosition {
    return this.positionAt(this.nodeAt(path)?.range?.[0] ?? this.rootOffset());
  }

  /** Position of the key `key` inside the mapping at `path` (for unknown keys). */
  positionOfKey(path: ManifestPath, key: string): SourcePosition {
    const parent = this.nodeAt(path);
    if (isMap(parent)) {
      for (const pair of parent.items) {
        if (isScalar(pair.key) && String(pair.key.value) === key && pair.key.range) {
          return this.positionAt(pair.key.range[0]);
        }
      }
    }
    return this.positionOf(path);
  }

  /** `path:line:col` of the node at `path`, for messages that point at another file. */
  locate(path: ManifestPath): string {
    const { line, col } = this.positionOf(path);
    return `${this.path}:${line}:${col}`;
  }

  diagnostic(code: DiagnosticCode, path: ManifestPath, message: string): Diagnostic {
    return { code, file: this.path, position: this.positionOf(path), message };
  }

  private rootOffset(): number {
    return this.doc.contents?.range?.[0] ?? 0;
  }

  /** Deepest node along `path` (the node itself when it exists). */
  private nodeAt(path: ManifestPath): ParsedNode | null {
    let node: Node | null = this.doc.contents;
    let found: Node | null = node;
    for (const seg of path) {
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
        node = (pair?.value as Node | null | undefined) ?? null;
      } else if (isSeq(node) && typeof seg === 'number') {
        node = (node.items[seg] as Node | undefined) ?? null;
      } else {
        node = null;
      }
      if (!node) break;
      found = node;
    }
    return found as ParsedNode | null;
  }
}
