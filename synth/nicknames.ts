// Nicknames and other spellings of forenames that providers write instead of the register's,
// for the generator only: it writes "Bill" where the register says "William". The linker has
// its own, independently compiled list (stages/linkage/name-variants.csv) and must never read
// this one, so the synthetic figures do not measure a table against itself; some entries here
// (street forms like "Daz", "Mo") are on purpose in no list the linker has. One formal name can
// have several nicknames and one nickname (e.g. "Chris") several formal names, so this is a list
// of pairs, not a map.

export interface Nickname {
  nickname: string;
  formal: string;
}

const PAIRS: ReadonlyArray<readonly [nickname: string, formal: string]> = [
  ['Bill', 'William'], ['Will', 'William'], ['Billy', 'William'], ['Liam', 'William'],
  ['Bob', 'Robert'], ['Rob', 'Robert'], ['Bobby', 'Robert'], ['Robbie', 'Robert'],
  ['Liz', 'Elizabeth'], ['Beth', 'Elizabeth'], ['Betty', 'Elizabeth'], ['Lizzie', 'Elizabeth'],
  ['Tony', 'Anthony'], ['Ant', 'Anthony'],
  ['Dave', 'David'], ['Davy', 'David'],
  ['Mike', 'Michael'], ['Mick', 'Michael'], ['Micky', 'Michael'],
  ['Jim', 'James'], ['Jimmy', 'James'], ['Jamie', 'James'],
  ['Rich', 'Richard'], ['Dick', 'Richard'], ['Richie', 'Richard'],
  ['Pete', 'Peter'],
  ['Dan', 'Daniel'], ['Danny', 'Daniel'],
  ['Chris', 'Christopher'], ['Chris', 'Christine'], ['Chris', 'Christina'],
  ['Tom', 'Thomas'], ['Tommy', 'Thomas'],
  ['Steve', 'Stephen'], ['Steve', 'Steven'],
  ['Matt', 'Matthew'],
  ['Andy', 'Andrew'], ['Drew', 'Andrew'],
  ['Jon', 'Jonathan'], ['Johnny', 'John'], ['Jack', 'John'],
  ['Joe', 'Joseph'], ['Joey', 'Joseph'],
  ['Ben', 'Benjamin'],
  ['Sam', 'Samuel'], ['Sam', 'Samantha'], ['Sammy', 'Samuel'],
  ['Alex', 'Alexander'], ['Alex', 'Alexandra'], ['Sandy', 'Alexandra'],
  ['Nick', 'Nicholas'], ['Nicky', 'Nicola'],
  ['Tim', 'Timothy'],
  ['Greg', 'Gregory'],
  ['Doug', 'Douglas'],
  ['Len', 'Leonard'], ['Lenny', 'Leonard'],
  ['Ron', 'Ronald'], ['Ronnie', 'Ronald'],
  ['Don', 'Donald'],
  ['Ray', 'Raymond'],
  ['Terry', 'Terence'],
  ['Ken', 'Kenneth'], ['Kenny', 'Kenneth'],
  ['Pat', 'Patrick'], ['Paddy', 'Patrick'], ['Pat', 'Patricia'], ['Trish', 'Patricia'],
  ['Frank', 'Francis'], ['Fran', 'Frances'],
  ['Gerry', 'Gerald'],
  ['Fred', 'Frederick'], ['Freddie', 'Frederick'],
  ['Ed', 'Edward'], ['Eddie', 'Edward'], ['Ted', 'Edward'],
  ['Charlie', 'Charles'], ['Chas', 'Charles'],
  ['Phil', 'Philip'],
  ['Stu', 'Stuart'],
  ['Kate', 'Katherine'], ['Katie', 'Katherine'], ['Kathy', 'Katherine'], ['Cathy', 'Catherine'], ['Kate', 'Catherine'],
  ['Becky', 'Rebecca'], ['Becca', 'Rebecca'],
  ['Vicky', 'Victoria'], ['Tori', 'Victoria'],
  ['Jenny', 'Jennifer'], ['Jen', 'Jennifer'],
  ['Steph', 'Stephanie'],
  ['Jess', 'Jessica'],
  ['Debbie', 'Deborah'], ['Debs', 'Deborah'],
  ['Jackie', 'Jacqueline'],
  ['Sue', 'Susan'], ['Susie', 'Susan'], ['Sue', 'Susannah'],
  ['Maggie', 'Margaret'], ['Peggy', 'Margaret'], ['Meg', 'Margaret'],
  ['Chrissie', 'Christine'],
  ['Abby', 'Abigail'],
  ['Mandy', 'Amanda'],
  ['Kim', 'Kimberley'],
  ['Jo', 'Joanne'], ['Jo', 'Joanna'], ['Jo', 'Josephine'], ['Josie', 'Josephine'],
  ['Tess', 'Theresa'], ['Terri', 'Theresa'],
  ['Rosie', 'Rosemary'],
  ['Molly', 'Mary'], ['Polly', 'Mary'],
  ['Annie', 'Anne'], ['Annie', 'Ann'],
  ['Sandra', 'Alexandra'],
  ['Kath', 'Kathleen'],
  ['Gill', 'Gillian'],
  ['Pam', 'Pamela'],
  ['Lottie', 'Charlotte'], ['Charlie', 'Charlotte'],
  ['Nat', 'Natalie'],
  ['Dani', 'Danielle'],
  ['Sophie', 'Sophia'],
  ['Mo', 'Mohammed'], ['Mo', 'Muhammad'],
  ['Harry', 'Henry'], ['Hal', 'Henry'],
  // spellings and street forms
  ['Mohammad', 'Mohammed'], ['Mohamed', 'Mohammed'], ['Muhammed', 'Muhammad'], ['Mohammed', 'Muhammad'],
  ['Stephen', 'Steven'], ['Steven', 'Stephen'], ['Katherine', 'Catherine'], ['Kathryn', 'Katherine'],
  ['Shaun', 'Sean'], ['Sean', 'Shaun'], ['Gaz', 'Gary'], ['Baz', 'Barry'], ['Daz', 'Darren'], ['Tel', 'Terence'],
  ['Jonny', 'Jonathan'], ['Kev', 'Kevin'], ['Rach', 'Rachel'], ['Lou', 'Louise'], ['Nicki', 'Nicola'],
];

export const NICKNAMES: readonly Nickname[] = PAIRS.map(([nickname, formal]) => ({ nickname, formal }));
