// The nunjucks environment of the report: autoescape on (organisation names and descriptions come
// from the provider), undefined variables throw, and whitespace control keeps the HTML tidy.
import nunjucks from 'nunjucks';
import type { ReportView } from './view.ts';
import type { Erratum } from './erratum.ts';

export function reportEnvironment(templatesDir: string): nunjucks.Environment {
  return new nunjucks.Environment(new nunjucks.FileSystemLoader(templatesDir, { noCache: true }), {
    autoescape: true,
    throwOnUndefined: true,
    trimBlocks: true,
    lstripBlocks: true,
  });
}

export interface Versioning {
  reportVersion: number;
  erratum: Erratum | null;
}

export function renderReport(templatesDir: string, view: ReportView, versioning: Versioning = { reportVersion: 1, erratum: null }): string {
  return reportEnvironment(templatesDir).render('report.njk', { v: view, ...versioning });
}
