// Hand-made probes for the linker, planted in a synthetic register: each a register person and a
// cohort row written the way a provider might, with the outcome the method must give. They cover
// each comparison level and rule: name variants and spellings, sound-alike names, Mc/Mac, names
// in the wrong order, parts of multi-part names, middle names used as forenames, missing dates of
// birth, date slips, twins and duplicates. Names here are made up for the test (register ids
// from 990001), rare enough not to meet the synthetic register's own people.

export interface ProbePerson { register_id: number; forename: string; surname: string; dob: string | null; gender: string | null }
export interface ProbeRow { key: string; forename: string; surname: string; dob: string | null; gender: string | null; expect: number | null; what: string }

export const PROBE_PEOPLE: ProbePerson[] = [
  { register_id: 990001, forename: 'Muhammad', surname: 'Quraishi', dob: '1985-03-07', gender: 'M' },
  { register_id: 990002, forename: 'Steven', surname: 'Pennycuick', dob: '1979-11-21', gender: 'M' },
  { register_id: 990003, forename: 'Catherine', surname: 'Lathbury', dob: '1992-06-14', gender: 'F' },
  { register_id: 990004, forename: 'Angus', surname: 'McDonald', dob: '1968-02-03', gender: 'M' },
  { register_id: 990005, forename: 'Chidi', surname: 'Okafor', dob: '1990-01-02', gender: 'M' },
  { register_id: 990006, forename: 'Laura', surname: 'Smith-Ravenscroft', dob: '1987-09-30', gender: 'F' },
  { register_id: 990007, forename: 'Mary Ann', surname: 'Thistlewood', dob: '1975-05-17', gender: 'F' },
  { register_id: 990008, forename: 'John Paul', surname: 'Verrinder', dob: '1983-12-08', gender: 'M' },
  { register_id: 990009, forename: 'Xanthe', surname: 'Quillfeather', dob: '1994-04-22', gender: 'F' },
  { register_id: 990010, forename: 'Kristina', surname: 'Bellingham', dob: '1991-04-05', gender: 'F' },
  { register_id: 990011, forename: 'Kristian', surname: 'Bellingham', dob: '1991-04-05', gender: 'M' },
  { register_id: 990012, forename: 'Oswin', surname: 'Trevethan', dob: '1978-08-19', gender: 'M' },
  { register_id: 990013, forename: 'Wilhelmina', surname: 'Ashdown-Pryce', dob: '1989-10-07', gender: 'F' },
  { register_id: 990014, forename: 'Fergus', surname: 'Ollerenshaw', dob: '1972-03-27', gender: 'M' },
  { register_id: 990015, forename: 'Rosalind', surname: 'Wetherall', dob: '1996-07-11', gender: 'F' },
  { register_id: 990016, forename: 'Tobias', surname: 'Grimsditch', dob: '1981-01-29', gender: 'M' },
  // only the brother of this pair is in the register
  { register_id: 990017, forename: 'Benedict', surname: 'Harkness', dob: '1993-02-16', gender: 'M' },
  { register_id: 990018, forename: 'Robert', surname: 'Pendlebury', dob: '1986-10-12', gender: 'M' },
];

export const PROBE_ROWS: ProbeRow[] = [
  { key: 'P01', forename: 'Mohammed', surname: 'Quraishi', dob: '1985-03-07', gender: 'M', expect: 990001, what: 'MUHAMMAD/MOHAMMED' },
  { key: 'P02', forename: 'Stephen', surname: 'Pennycuick', dob: '1979-11-21', gender: 'M', expect: 990002, what: 'STEVEN/STEPHEN' },
  { key: 'P03', forename: 'Katherine', surname: 'Lathbury', dob: '1992-06-14', gender: 'F', expect: 990003, what: 'CATHERINE/KATHERINE' },
  { key: 'P04', forename: 'Angus', surname: 'MacDonald', dob: '1968-02-03', gender: 'M', expect: 990004, what: 'MCDONALD/MACDONALD' },
  { key: 'P05', forename: 'Okafor', surname: 'Chidi', dob: '1990-01-02', gender: 'M', expect: 990005, what: 'names in the other order' },
  { key: 'P06', forename: 'Laura', surname: 'Ravenscroft', dob: '1987-09-30', gender: 'F', expect: 990006, what: 'one part of a hyphenated surname' },
  { key: 'P07', forename: 'Mary-Ann', surname: 'Thistlewood', dob: '1975-05-17', gender: 'F', expect: 990007, what: 'MARY ANN/MARY-ANN' },
  { key: 'P08', forename: 'Paul', surname: 'Verrinder', dob: '1983-12-08', gender: 'M', expect: 990008, what: 'middle name used as the forename' },
  { key: 'P09', forename: 'Xanthe', surname: 'Quillfeather', dob: null, gender: 'F', expect: 990009, what: 'rare name, date of birth missing' },
  { key: 'P10', forename: 'Kristina', surname: 'Bellingham', dob: '1991-04-05', gender: 'F', expect: 990010, what: 'twin sister, gender given' },
  { key: 'P11', forename: 'Kristian', surname: 'Bellingham', dob: '1991-04-05', gender: 'M', expect: 990011, what: 'twin brother, gender given' },
  { key: 'P12', forename: 'Oswin', surname: 'Trevethan', dob: '1979-08-19', gender: 'M', expect: 990012, what: 'rare name, one digit of the birth year wrong' },
  { key: 'P13', forename: 'Wilhelmina', surname: 'Ashdown Pryce', dob: '1989-07-10', gender: 'F', expect: 990013, what: 'double-barrelled with a space, day and month swapped' },
  { key: 'P14', forename: 'Fergus', surname: 'Olerenshaw', dob: '1972-03-27', gender: 'M', expect: 990014, what: 'a typo in the surname' },
  { key: 'P15', forename: 'Rosalind', surname: 'Wetherall', dob: '1995-07-11', gender: 'F', expect: 990015, what: 'the year one out' },
  { key: 'P16', forename: 'Tobias', surname: 'Grimsditch', dob: '1981-01-29', gender: null, expect: 990016, what: 'gender missing' },
  { key: 'P17', forename: 'Benedicta', surname: 'Harkness', dob: '1993-02-16', gender: 'F', expect: null, what: 'twin sister of a register man, gender given: not him' },
  { key: 'P18', forename: 'Zebedee', surname: 'Quaxworth', dob: '1960-01-01', gender: 'M', expect: null, what: 'nobody' },
  { key: 'P20', forename: 'Roberta', surname: 'Pendlebury', dob: '1986-10-12', gender: null, expect: null, what: 'twin sister of a register man, gender missing: a forename the register only knows for women' },
  { key: 'P19', forename: 'Kristina', surname: 'Bellingham', dob: '1991-04-05', gender: null, expect: 990010, what: 'twin sister, gender missing, both twins in the register' },
];
