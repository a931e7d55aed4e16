// Name lists for the synthetic register. Each list is in rough order of frequency in England and
// Wales; the generator gives rank r the Zipf weight 1 / r^s, so "Smith" is common and the tail is
// rare, which is what makes name-only linkage hard. No list here is anybody's record: they are the
// most common names, known from public frequency tables.

export const SURNAMES: readonly string[] = [
  'Smith', 'Jones', 'Williams', 'Taylor', 'Brown', 'Davies', 'Evans', 'Wilson', 'Thomas', 'Johnson',
  'Roberts', 'Robinson', 'Thompson', 'Wright', 'Walker', 'White', 'Edwards', 'Hughes', 'Green', 'Hall',
  'Lewis', 'Harris', 'Clarke', 'Patel', 'Jackson', 'Wood', 'Turner', 'Martin', 'Cooper', 'Hill',
  'Ward', 'Morris', 'Moore', 'Clark', 'Lee', 'King', 'Baker', 'Harrison', 'Morgan', 'Allen',
  'James', 'Scott', 'Phillips', 'Watson', 'Davis', 'Parker', 'Price', 'Bennett', 'Young', 'Griffiths',
  'Mitchell', 'Kelly', 'Cook', 'Carter', 'Richardson', 'Bailey', 'Collins', 'Bell', 'Shaw', 'Murphy',
  'Miller', 'Cox', 'Richards', 'Khan', 'Marshall', 'Anderson', 'Simpson', 'Ellis', 'Adams', 'Singh',
  'Begum', 'Wilkinson', 'Foster', 'Chapman', 'Powell', 'Webb', 'Rogers', 'Gray', 'Mason', 'Ali',
  'Hunt', 'Hussain', 'Campbell', 'Matthews', 'Owen', 'Palmer', 'Holmes', 'Mills', 'Barnes', 'Knight',
  'Lloyd', 'Butler', 'Russell', 'Barker', 'Fisher', 'Stevens', 'Jenkins', 'Murray', 'Dixon', 'Harvey',
  'Graham', 'Pearson', 'Ahmed', 'Fletcher', 'Walsh', 'Kaur', 'Gibson', 'Howard', 'Andrews', 'Stewart',
  'Elliott', 'Reynolds', 'Saunders', 'Payne', 'Fox', 'Ford', 'Pearce', 'Day', 'Brooks', 'West',
  'Lawrence', 'Cole', 'Atkinson', 'Bradley', 'Spencer', 'Gill', 'Dawson', 'Ball', 'Burton', "O'Brien",
  'Watts', 'Rose', 'Booth', 'Perry', 'Ryan', 'Grant', 'Wells', 'Armstrong', 'Francis', 'Rees',
  'Hayes', 'Hart', 'Hudson', 'Newman', 'Barrett', 'Webster', 'Hunter', 'Gregory', 'Carr', 'Lowe',
  'Page', 'Marsh', 'Riley', 'Dunn', 'Woods', 'Parsons', 'Berry', 'Stone', 'Reid', 'Holland',
  'Hawkins', 'Harding', 'Porter', 'Robertson', 'Newton', 'Oliver', 'Reed', 'Kennedy', 'Williamson', 'Bird',
  'Gardner', 'Shah', 'Dean', 'Lane', 'Cooke', 'Bates', 'Henderson', 'Parry', 'Burgess', 'Bishop',
  'Walton', 'Burns', 'Nicholson', 'Shepherd', 'Ross', 'Cross', 'Long', 'Freeman', 'Warren', 'Nicholls',
  'Hamilton', 'Byrne', 'Sutton', 'McDonald', 'Yates', 'Hodgson', 'Robson', 'Curtis', 'Hopkins', "O'Connor",
  'Harper', 'Coleman', 'Watkins', 'Moss', 'McCarthy', 'Chambers', "O'Neill", 'Griffin', 'Sharp', 'Hardy',
  'Wheeler', 'Potter', 'Osborne', 'Johnston', 'Gordon', 'Doyle', 'Wallace', 'George', 'Jordan', 'Hutchinson',
  'Rahman', 'Miah', 'Akhtar', 'Iqbal', 'Mahmood', 'Okafor', 'Mensah', 'Nowak', 'Kowalski', 'Silva',
  'Da Costa', 'Nguyen', 'Chen', 'Wong', 'Kaya', 'Osei', 'Adeyemi', 'Ibrahim', 'Mohamed', 'Hassan',
];

export const MALE_FORENAMES: readonly string[] = [
  'David', 'John', 'Michael', 'Paul', 'Andrew', 'Mark', 'James', 'Robert', 'Richard', 'Peter',
  'Daniel', 'Christopher', 'Thomas', 'Stephen', 'Matthew', 'Anthony', 'Steven', 'William', 'Lee', 'Jason',
  'Ian', 'Gary', 'Darren', 'Kevin', 'Craig', 'Jamie', 'Ryan', 'Adam', 'Jonathan', 'Simon',
  'Martin', 'Joseph', 'Liam', 'Scott', 'Dean', 'Wayne', 'Carl', 'Shaun', 'Nathan', 'Luke',
  'Benjamin', 'Samuel', 'Alexander', 'Kieran', 'Jack', 'Connor', 'Callum', 'Jordan', 'Aaron', 'Lewis',
  'Brian', 'Alan', 'Keith', 'Colin', 'Neil', 'Graham', 'Philip', 'Edward', 'Charles', 'George',
  'Raymond', 'Terence', 'Kenneth', 'Patrick', 'Francis', 'Gerald', 'Frederick', 'Harry', 'Oliver', 'Charlie',
  'Mohammed', 'Muhammad', 'Ali', 'Imran', 'Tyrone', 'Dwayne', 'Leon', 'Marcus', 'Reece', 'Bradley',
  'Ashley', 'Dale', 'Stuart', 'Gavin', 'Barry', 'Trevor', 'Nicholas', 'Timothy', 'Gregory', 'Douglas',
  'Leonard', 'Ronald', 'Donald', 'Samir', 'Tomasz', 'Piotr', 'Jakub', 'Kyle', 'Harvey', 'Mason',
];

export const FEMALE_FORENAMES: readonly string[] = [
  'Sarah', 'Emma', 'Claire', 'Lisa', 'Nicola', 'Laura', 'Rebecca', 'Michelle', 'Gemma', 'Kelly',
  'Amy', 'Jennifer', 'Rachel', 'Samantha', 'Victoria', 'Louise', 'Joanne', 'Stephanie', 'Hannah', 'Jessica',
  'Elizabeth', 'Katherine', 'Natalie', 'Danielle', 'Charlotte', 'Zoe', 'Kirsty', 'Donna', 'Amanda', 'Karen',
  'Susan', 'Julie', 'Tracey', 'Dawn', 'Helen', 'Deborah', 'Angela', 'Margaret', 'Patricia', 'Christine',
  'Jacqueline', 'Alexandra', 'Abigail', 'Chloe', 'Sophie', 'Lauren', 'Jade', 'Leanne', 'Stacey', 'Carly',
  'Kimberley', 'Rosemary', 'Kathleen', 'Catherine', 'Theresa', 'Jane', 'Mary', 'Anne', 'Ann', 'Sandra',
  'Jodie', 'Megan', 'Holly', 'Ellie', 'Amelia', 'Olivia', 'Grace', 'Lucy', 'Georgia', 'Shannon',
  'Fatima', 'Ayesha', 'Aisha', 'Amina', 'Shabana', 'Agnieszka', 'Joanna', 'Monika', 'Marcia', 'Chantelle',
  'Paula', 'Wendy', 'Sharon', 'Diane', 'Lorraine', 'Beverley', 'Janet', 'Pamela', 'Carol', 'Linda',
  'Frances', 'Josephine', 'Susannah', 'Christina', 'Roberta', 'Jemma', 'Tanya', 'Kerry', 'Nadia', 'Gillian',
];

/**
 * Halves of English place-style surnames ("Ash" + "worth" = "Ashworth"). About two people in five
 * get one of these combinations, which gives the rare tail that real surname distributions have.
 */
export const SURNAME_HEADS: readonly string[] = [
  'Ash', 'Black', 'Brad', 'Brom', 'Cald', 'Crom', 'Dal', 'Dun', 'Elm', 'Fair',
  'Farn', 'Grim', 'Had', 'Hart', 'Hay', 'Holl', 'Kirk', 'Lang', 'Lock', 'Mar',
  'Mid', 'Mor', 'Nor', 'Oak', 'Pen', 'Rad', 'Red', 'Ros', 'Shel', 'Stan',
  'Stock', 'Sud', 'Thorn', 'Wake', 'Wal', 'Wes', 'Whit', 'Win', 'Wood', 'Yar',
];

export const SURNAME_TAILS: readonly string[] = [
  'worth', 'ley', 'ton', 'ford', 'field', 'more', 'wood', 'well', 'by', 'ham',
  'hurst', 'combe', 'dale', 'den', 'wick', 'bury', 'stead', 'shaw', 'croft', 'bridge',
];

/** Zipf exponents, chosen so the commonest names have about their real shares (Smith ~1-2 %, David ~5 % of men). */
export const SURNAME_ZIPF = 0.55;
export const FORENAME_ZIPF = 0.6;
