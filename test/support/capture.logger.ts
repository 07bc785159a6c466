import type { LoggerService } from '@nestjs/common';

/** One captured log line. */
export interface LogLine {
  level: 'log' | 'error' | 'warn' | 'debug' | 'verbose' | 'fatal';
  message: string;
  context?: string;
}

/** A Nest logger that keeps lines in memory so tests can assert on them (and keeps test output quiet). */
export class CaptureLogger implements LoggerService {
  readonly lines: LogLine[] = [];

  log(message: unknown, context?: string) {
    this.push('log', message, context);
  }
  error(message: unknown, ...rest: unknown[]) {
    this.push('error', message, rest.at(-1) as string | undefined);
  }
  warn(message: unknown, context?: string) {
    this.push('warn', message, context);
  }
  debug(message: unknown, context?: string) {
    this.push('debug', message, context);
  }
  verbose(message: unknown, context?: string) {
    this.push('verbose', message, context);
  }
  fatal(message: unknown, context?: string) {
    this.push('fatal', message, context);
  }

  /** Lines of `level` whose message contains `text`. */
  find(level: LogLine['level'], text: string): LogLine[] {
    return this.lines.filter((l) => l.level === level && l.message.includes(text));
  }

  private push(level: LogLine['level'], message: unknown, context?: string) {
    this.lines.push({ level, message: String(message), context });
  }
}
