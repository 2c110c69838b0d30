// Which pages of the arena are free, and the leftmost first fit over them.
// A bitmap per chunk (bit set = page free) is summarised by two segment
// trees of (prefix, suffix, max) free-run lengths: a chunk tree over the
// chunk's bitmap words, and a top tree over chunks. A leftmost first fit of
// n pages is one descent, O(log pages), however fragmented the arena is.
// Chunks not mapped yet count as free in the top tree, so the first fit
// already says how far the arena must grow (heap.ts maps it); pages past
// the heap limit count as used.
//
// Summary node (12 bytes), over a run of `len` pages:
// +0 u32 prefix   free pages at the start
// +4 u32 suffix   free pages at the end
// +8 u32 max      longest free run inside
// Trees are stored heap-style: node 1 is the root, node i has children
// 2i and 2i + 1, leaves are nodes LEAVES .. 2 * LEAVES - 1.

import {
  CHUNK_PAGES, CHUNK_PAGES_SHIFT, CHUNK_TREE_OFF, CHUNK_WORDS, NODE_BYTES,
  WORD_PAGES, WORD_PAGES_SHIFT, chunkMeta,
} from "./layout";
import {
  LIMIT_CHUNKS, LIMIT_PAGES, MAPPED_CHUNKS, TOP_TREE, TREE_LEAVES, globalU32,
} from "./globals";

/** Returned by firstFit when no run is long enough. */
export const NO_FIT: u32 = 0xffffffff;

// @ts-ignore: decorator
@inline function nodeAddr(tree: usize, node: u32): usize {
  return tree + (node as usize) * NODE_BYTES;
}
// @ts-ignore: decorator
@inline function prefixOf(node: usize): u32 { return load<u32>(node); }
// @ts-ignore: decorator
@inline function suffixOf(node: usize): u32 { return load<u32>(node, 4); }
// @ts-ignore: decorator
@inline function maxOf(node: usize): u32 { return load<u32>(node, 8); }
// @ts-ignore: decorator
@inline function setNode(node: usize, prefix: u32, suffix: u32, max: u32): void {
  store<u32>(node, prefix);
  store<u32>(node, suffix, 4);
  store<u32>(node, max, 8);
}

/**
 * Summary of two children of `childLen` pages each.
 * @returns whether the node's summary changed
 */
function combine(tree: usize, node: u32, childLen: u32): bool {
  const left = nodeAddr(tree, node << 1);
  const right = nodeAddr(tree, (node << 1) + 1);
  const lp = prefixOf(left);
  const ls = suffixOf(left);
  const rp = prefixOf(right);
  const rs = suffixOf(right);
  const prefix = lp == childLen ? childLen + rp : lp;
  const suffix = rs == childLen ? childLen + ls : rs;
  let max = ls + rp;
  if (maxOf(left) > max) max = maxOf(left);
  if (maxOf(right) > max) max = maxOf(right);
  const at = nodeAddr(tree, node);
  if (prefixOf(at) == prefix && suffixOf(at) == suffix && maxOf(at) == max) return false;
  setNode(at, prefix, suffix, max);
  return true;
}

/**
 * Recomputes the ancestors of leaves first..last (tree numbering). Every
 * node outside those paths already agrees with its children (fresh trees
 * are all zero, which agrees too), so once a whole level comes out
 * unchanged, nothing above it can change and the walk stops. A span in
 * the middle of a long free or used run usually stops after a few levels
 * instead of reaching both roots.
 */
function updateAncestors(tree: usize, first: u32, last: u32, leafLen: u32): void {
  let lo = first >> 1;
  let hi = last >> 1;
  let childLen = leafLen;
  while (lo >= 1) {
    let changed = false;
    for (let node = lo; node <= hi; node++) {
      if (combine(tree, node, childLen)) changed = true;
    }
    if (!changed) return;
    lo >>= 1;
    hi >>= 1;
    childLen <<= 1;
  }
}

/**
 * Longest run of set bits in a word, one step per run rather than one per
 * bit of the longest run: a word with a span carved out of an otherwise free
 * word would cost about 60 steps the other way, on every alloc and free.
 */
function longestOnes(word: u64): u32 {
  let best: u32 = 0;
  let bits = word;
  while (bits != 0) {
    bits >>= ctz(bits);
    const run = <u32>ctz(~bits);
    if (run > best) best = run;
    // A run reaching the top bit ends the word (a shift by 64 would wrap).
    if (run >= WORD_PAGES) break;
    bits >>= run as u64;
  }
  return best;
}

function setWordLeaf(tree: usize, leaf: u32, word: u64): void {
  const prefix = <u32>ctz(~word);
  const suffix = <u32>clz(~word);
  setNode(nodeAddr(tree, leaf), prefix, suffix, longestOnes(word));
}

// @ts-ignore: decorator
@inline function bitmapWordAddr(meta: usize, word: u32): usize {
  return meta + ((word as usize) << 3);
}

// @ts-ignore: decorator
@inline function chunkTree(meta: usize): usize {
  return meta + CHUNK_TREE_OFF;
}

/** Pages of chunk `chunk` below the heap limit. */
export function chunkLimitPages(chunk: u32): u32 {
  const left = globalU32(LIMIT_PAGES) - (chunk << CHUNK_PAGES_SHIFT);
  return left < CHUNK_PAGES ? left : CHUNK_PAGES;
}

/** Builds the top tree: chunks below the limit all free, the rest used. */
export function topTreeInit(): void {
  const tree = globalU32(TOP_TREE) as usize;
  const leaves = globalU32(TREE_LEAVES);
  const chunks = globalU32(LIMIT_CHUNKS);
  for (let chunk: u32 = 0; chunk < leaves; chunk++) {
    const len = chunk < chunks ? chunkLimitPages(chunk) : 0;
    setNode(nodeAddr(tree, leaves + chunk), len, len, len);
  }
  updateAncestors(tree, leaves, 2 * leaves - 1, CHUNK_PAGES);
}

/** Fills a new chunk's bitmap and tree: every page below the limit free. */
export function chunkInit(meta: usize, chunk: u32): void {
  const freePages = chunkLimitPages(chunk);
  const tree = chunkTree(meta);
  for (let word: u32 = 0; word < CHUNK_WORDS; word++) {
    const first = word << WORD_PAGES_SHIFT;
    let bits: u64 = 0;
    if (first + WORD_PAGES <= freePages) bits = ~(0 as u64);
    else if (first < freePages) bits = ((1 as u64) << ((freePages - first) as u64)) - 1;
    store<u64>(bitmapWordAddr(meta, word), bits);
    setWordLeaf(tree, CHUNK_WORDS + word, bits);
  }
  updateAncestors(tree, CHUNK_WORDS, 2 * CHUNK_WORDS - 1, WORD_PAGES);
}

/** The longest free run, counting unmapped chunks below the limit. */
export function longestFreeRun(): u32 {
  return maxOf(nodeAddr(globalU32(TOP_TREE) as usize, 1));
}

let descendLeaf: u32 = 0;

/**
 * Walks down to the leftmost place a run of `pages` fits. Returns the run's
 * first page relative to the tree when it crosses two children; otherwise
 * NO_FIT with the leaf holding it in descendLeaf.
 */
function descend(tree: usize, leaves: u32, leafLen: u32, pages: u32): u32 {
  let node: u32 = 1;
  let base: u32 = 0;
  let half = leaves * leafLen;
  while (node < leaves) {
    half >>= 1;
    const left = nodeAddr(tree, node << 1);
    const right = nodeAddr(tree, (node << 1) + 1);
    if (maxOf(left) >= pages) {
      node = node << 1;
    } else if (suffixOf(left) + prefixOf(right) >= pages) {
      return base + half - suffixOf(left);
    } else {
      node = (node << 1) + 1;
      base += half;
    }
  }
  descendLeaf = node - leaves;
  return NO_FIT;
}

/** First page of the leftmost run of `pages` set bits inside one word. */
function firstFitInWord(word: u64, pages: u32): u32 {
  let starts = word;
  for (let k: u32 = 1; k < pages; k++) starts &= word >> (k as u64);
  return <u32>ctz(starts);
}

/**
 * First page of the lowest-address free run of at least `pages` pages
 * (unmapped chunks below the limit count as free), or NO_FIT.
 */
export function firstFit(pages: u32): u32 {
  const top = globalU32(TOP_TREE) as usize;
  if (maxOf(nodeAddr(top, 1)) < pages) return NO_FIT;
  const leaves = globalU32(TREE_LEAVES);
  const found = descend(top, leaves, CHUNK_PAGES, pages);
  if (found != NO_FIT) return found;
  const chunk = descendLeaf;
  const chunkBase = chunk << CHUNK_PAGES_SHIFT;
  if (chunk >= globalU32(MAPPED_CHUNKS)) return chunkBase;
  const meta = chunkMeta(chunk);
  const inChunk = descend(chunkTree(meta), CHUNK_WORDS, WORD_PAGES, pages);
  if (inChunk != NO_FIT) return chunkBase + inChunk;
  const word = descendLeaf;
  const bits = load<u64>(bitmapWordAddr(meta, word));
  return chunkBase + (word << WORD_PAGES_SHIFT) + firstFitInWord(bits, pages);
}

/** Marks pages [first, first + count) of one mapped chunk free or used. */
function markInChunk(chunk: u32, first: u32, count: u32, free: bool): void {
  const meta = chunkMeta(chunk);
  const tree = chunkTree(meta);
  const firstWord = first >> WORD_PAGES_SHIFT;
  const lastWord = (first + count - 1) >> WORD_PAGES_SHIFT;
  for (let word = firstWord; word <= lastWord; word++) {
    const wordFirst = word << WORD_PAGES_SHIFT;
    const from = first > wordFirst ? first - wordFirst : 0;
    const end = first + count - wordFirst;
    const to = end < WORD_PAGES ? end : WORD_PAGES;
    const width = to - from;
    const ones: u64 = width == WORD_PAGES ? ~(0 as u64) : ((1 as u64) << (width as u64)) - 1;
    const mask = ones << (from as u64);
    const addr = bitmapWordAddr(meta, word);
    const bits = free ? load<u64>(addr) | mask : load<u64>(addr) & ~mask;
    store<u64>(addr, bits);
    setWordLeaf(tree, CHUNK_WORDS + word, bits);
  }
  updateAncestors(tree, CHUNK_WORDS + firstWord, CHUNK_WORDS + lastWord, WORD_PAGES);
}

/** Marks mapped pages [first, first + count) free or used. */
export function markPages(first: u32, count: u32, free: bool): void {
  const top = globalU32(TOP_TREE) as usize;
  const leaves = globalU32(TREE_LEAVES);
  const firstChunk = first >> CHUNK_PAGES_SHIFT;
  const lastChunk = (first + count - 1) >> CHUNK_PAGES_SHIFT;
  for (let chunk = firstChunk; chunk <= lastChunk; chunk++) {
    const chunkBase = chunk << CHUNK_PAGES_SHIFT;
    const from = first > chunkBase ? first - chunkBase : 0;
    const end = first + count - chunkBase;
    const to = end < CHUNK_PAGES ? end : CHUNK_PAGES;
    markInChunk(chunk, from, to - from, free);
    const root = nodeAddr(chunkTree(chunkMeta(chunk)), 1);
    setNode(nodeAddr(top, leaves + chunk), prefixOf(root), suffixOf(root), maxOf(root));
  }
  updateAncestors(top, leaves + firstChunk, leaves + lastChunk, CHUNK_PAGES);
}

/** Whether a mapped page is free. */
export function pageIsFree(page: u32): bool {
  const meta = chunkMeta(page >> CHUNK_PAGES_SHIFT);
  const inChunk = page & (CHUNK_PAGES - 1);
  const bits = load<u64>(bitmapWordAddr(meta, inChunk >> WORD_PAGES_SHIFT));
  return ((bits >> ((inChunk & (WORD_PAGES - 1)) as u64)) & 1) != 0;
}

/** The bitmap word holding a mapped page's bit, for run walks. */
export function pageWord(page: u32): u64 {
  const meta = chunkMeta(page >> CHUNK_PAGES_SHIFT);
  const inChunk = page & (CHUNK_PAGES - 1);
  return load<u64>(bitmapWordAddr(meta, inChunk >> WORD_PAGES_SHIFT));
}
