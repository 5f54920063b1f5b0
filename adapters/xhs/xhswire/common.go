package xhswire

// GetAddressRecordRequest is the body of common.getAddressRecord (获取商家地址库).
type GetAddressRecordRequest struct {
	PageIndex int `json:"pageIndex,omitempty"` // from 1, below 100
	PageSize  int `json:"pageSize,omitempty"`  // default 20, below 200
}

// GetAddressRecordData is the data of common.getAddressRecord's answer.
type GetAddressRecordData struct {
	SellerAddressRecordList []AddressRecord `json:"sellerAddressRecordList"`
	Total                   int             `json:"total"`
}

// AddressRecord is one address of the merchant's address book.
type AddressRecord struct {
	SellerAddressRecordID   int64  `json:"sellerAddressRecordId"`
	ContactName             string `json:"contactName"`
	PhoneAreaCode           string `json:"phoneAreaCode"`
	Phone                   string `json:"phone"`
	LandlineAreaCode        string `json:"landlineAreaCode"`
	LandlinePhone           string `json:"landlinePhone"`
	LandlineExtensionNumber string `json:"landlineExtensionNumber"`
	CountryCode             string `json:"countryCode"`
	ProvinceCode            string `json:"provinceCode"`
	CityCode                string `json:"cityCode"`
	CountyCode              string `json:"countyCode"`
	TownCode                string `json:"townCode"`
	CountryName             string `json:"countryName"`
	ProvinceName            string `json:"provinceName"`
	CityName                string `json:"cityName"`
	CountyName              string `json:"countyName"`
	TownName                string `json:"townName"`
	Address                 string `json:"address"`
	FullAddress             string `json:"fullAddress"`
	DeliveryDefault         string `json:"deliveryDefault"`
	AftersaleDefault        string `json:"aftersaleDefault"`
	Version                 int    `json:"version"`
	Active                  string `json:"active"`
	CreateTime              int64  `json:"createTime"`
	UpdateTime              int64  `json:"updateTime"`
}
