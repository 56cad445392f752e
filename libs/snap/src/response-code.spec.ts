import {
  PermanentSnapError,
  RateLimitedSnapError,
  SnapErrorKind,
  TokenRejectedSnapError,
  TransientSnapError,
} from './errors';
import { classifyFailure, isSuccess, parseResponseCode, responseCode } from './response-code';

/** PROTOCOL.md section 4, case by case (xx = service code). */
const TABLE: [
  string,
  string,
  Exclude<SnapErrorKind, 'contract-breach' | 'unavailable'> | 'success',
  boolean,
][] = [
  ['200', '00', 'success', false],
  ['202', '00', 'transient', true],
  ['400', '00', 'permanent', false],
  ['400', '01', 'permanent', false],
  ['400', '02', 'permanent', false],
  ['401', '00', 'permanent', false],
  ['401', '01', 'token-rejected', true],
  ['401', '03', 'token-rejected', true],
  ['403', '01', 'permanent', false],
  ['403', '05', 'permanent', false],
  ['403', '04', 'rate-limited', true],
  ['404', '08', 'permanent', false],
  ['404', '11', 'permanent', false],
  ['409', '00', 'transient', true],
  ['429', '00', 'rate-limited', true],
  ['500', '00', 'transient', true],
  ['500', '01', 'transient', true],
  ['500', '02', 'transient', true],
  ['504', '00', 'transient', true],
];

const CLASSES = {
  transient: TransientSnapError,
  'rate-limited': RateLimitedSnapError,
  'token-rejected': TokenRejectedSnapError,
  permanent: PermanentSnapError,
};

describe('response code classification (PROTOCOL.md section 4)', () => {
  describe.each(['11', '73', '08'])('service code %s', (service) => {
    it.each(TABLE)('%sxx%s → %s (retryable %p)', (status, caseCode, kind, retryable) => {
      const code = parseResponseCode(responseCode(Number(status), service, caseCode));
      expect(code).not.toBeNull();
      if (kind === 'success') {
        expect(isSuccess(code!)).toBe(true);
        return;
      }
      expect(isSuccess(code!)).toBe(false);
      const error = classifyFailure(code!, { provider: 'netzme', responseMessage: 'msg' });
      expect(error).toBeInstanceOf(CLASSES[kind]);
      expect(error.kind).toBe(kind);
      expect(error.retryable).toBe(retryable);
      expect(error.details.responseCode).toBe(`${status}${service}${caseCode}`);
      expect(error.message).toBe(`netzme answered ${status}${service}${caseCode} (msg)`);
    });
  });

  it('an unlisted case falls back to its HTTP class', () => {
    const classify = (code: string) =>
      classifyFailure(parseResponseCode(code)!, { provider: 'finnet' });
    expect(classify('4031199')).toBeInstanceOf(PermanentSnapError);
    expect(classify('4011199')).toBeInstanceOf(PermanentSnapError);
    expect(classify('5031100')).toBeInstanceOf(TransientSnapError);
    expect(classify('2001101')).toBeInstanceOf(TransientSnapError);
    expect(classify('5991199').message).toBe(
      'finnet answered 5991199; responseCode 5991199 is not a code PROTOCOL.md lists, handled by its HTTP status 599',
    );
  });

  it('parses the parts', () => {
    expect(parseResponseCode('4011101')).toEqual({
      code: '4011101',
      httpStatus: 401,
      serviceCode: '11',
      caseCode: '01',
    });
  });

  it.each([
    ['200110'],
    ['20011000'],
    ['6001100'],
    ['0001100'],
    ['abcdefg'],
    [2001100],
    [null],
    [undefined],
  ])('rejects %p', (value) => {
    expect(parseResponseCode(value)).toBeNull();
  });
});
