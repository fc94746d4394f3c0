export { createBook, randomIsbn13, waitUntilOrderable, type Book } from './api';
export { chromiumPath, launchBrowser, newShopper, PageErrors, screenshot, screenshotDir, type Shopper } from './browser';
export { repoRoot, startLocalStack, type LocalStack } from './stack';
