/** pino loggers: one root per process, children per server or daemon. */
import { pino, destination, type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

/** Swift's log_level names map onto pino's. */
export function createLogger(options: { name?: string; level?: string; destination?: number | string } = {}): Logger {
  const level = (options.level ?? 'info').toLowerCase();
  const map: Record<string, LevelWithSilent> = {
    debug: 'debug', info: 'info', notice: 'info', warning: 'warn', warn: 'warn',
    error: 'error', critical: 'fatal', fatal: 'fatal', silent: 'silent', trace: 'trace',
  };
  return pino(
    { name: options.name, level: map[level] ?? 'info' },
    destination({ dest: options.destination ?? 2, sync: false }),
  );
}

/** A logger that writes nothing, for tests and libraries. */
export const silentLogger: Logger = pino({ level: 'silent' });
