package idcardsim

import "hallkiosk/drivers/idcard"

// Cards are fictional test cards with valid GB 11643 check digits, issued
// in the 620982 (玉门市, 甘肃) division. The people do not exist.
var Cards = map[string]*idcard.Card{
	"resident1": {
		Type: idcard.Resident, Name: "李玉梅", Sex: idcard.Female, NationCode: "01", Nation: "汉",
		Birth: idcard.Date{Year: 1990, Month: 3, Day: 7}, Address: "甘肃省玉门市新市区人民路12号",
		IDNumber: "620982199003070021", Authority: "玉门市公安局",
		ValidFrom: idcard.Date{Year: 2015, Month: 6, Day: 1}, ValidTo: idcard.Date{Year: 2035, Month: 6, Day: 1},
	},
	"resident2": { // long-term validity, check character X, a minority nation
		Type: idcard.Resident, Name: "马建国", Sex: idcard.Male, NationCode: "03", Nation: "回",
		Birth: idcard.Date{Year: 1960, Month: 11, Day: 20}, Address: "甘肃省玉门市玉门镇建设路88号3单元201室",
		IDNumber: "62098219601120003X", Authority: "玉门市公安局",
		ValidFrom: idcard.Date{Year: 2010, Month: 1, Day: 1}, LongTerm: true,
	},
	"expired1": { // expired on 2026-01-01
		Type: idcard.Resident, Name: "安子豪", Sex: idcard.Male, NationCode: "48", Nation: "裕固",
		Birth: idcard.Date{Year: 2000, Month: 1, Day: 1}, Address: "甘肃省玉门市老市区石油路6号",
		IDNumber: "620982200001010039", Authority: "玉门市公安局",
		ValidFrom: idcard.Date{Year: 2016, Month: 1, Day: 1}, ValidTo: idcard.Date{Year: 2026, Month: 1, Day: 1},
	},
	"badid1": { // the ID number's check digit is wrong
		Type: idcard.Resident, Name: "赵错号", Sex: idcard.Female, NationCode: "01", Nation: "汉",
		Birth: idcard.Date{Year: 1990, Month: 3, Day: 7}, Address: "甘肃省玉门市新市区人民路14号",
		IDNumber: "620982199003070025", Authority: "玉门市公安局",
		ValidFrom: idcard.Date{Year: 2015, Month: 6, Day: 1}, ValidTo: idcard.Date{Year: 2035, Month: 6, Day: 1},
	},
	"hkmotw1": {
		Type: idcard.HKMOTWPermit, Name: "陈家明", Sex: idcard.Male,
		Birth: idcard.Date{Year: 1985, Month: 8, Day: 15}, Address: "甘肃省酒泉市肃州区西大街5号",
		IDNumber: "810000198508150016", Authority: "酒泉市公安局",
		ValidFrom: idcard.Date{Year: 2022, Month: 9, Day: 1}, ValidTo: idcard.Date{Year: 2027, Month: 9, Day: 1},
		PassNumber: "H12345678", IssueCount: 1,
	},
	"foreign2017": {
		Type: idcard.ForeignPermanent2017, Name: "约翰", NameEN: "SMITH, JOHN JAMES", Sex: idcard.Male,
		Nationality: "GBR", Birth: idcard.Date{Year: 1985, Month: 6, Day: 15},
		IDNumber: "GBR628506150012", Authority: "6200", CardVersion: "01",
		ValidFrom: idcard.Date{Year: 2018, Month: 5, Day: 1}, ValidTo: idcard.Date{Year: 2028, Month: 5, Day: 1},
	},
	"foreign2023": { // English name longer than 35 letters: split over two fields
		Type: idcard.ForeignPermanent2023, Name: "玛丽亚", NameEN: "GARCIA LOPEZ, MARIA FERNANDA DE LOS ANGELES",
		Sex: idcard.Female, Nationality: "ESP", Birth: idcard.Date{Year: 1992, Month: 3, Day: 4},
		IDNumber:  "962724199203040025",
		ValidFrom: idcard.Date{Year: 2024, Month: 2, Day: 1}, ValidTo: idcard.Date{Year: 2034, Month: 2, Day: 1},
	},
}
